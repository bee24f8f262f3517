import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { LocalTransport } from '../../source/transport/local.js';

/** A `local = true` host keeps one shell, as an SSH host keeps its connection's supervisor. */
describe('a local host\'s shell', () => {
	test('runs script after script in one shell: the scripts\' parent is that shell, not this process', async () => {
		const local = new LocalTransport({ persistentShell: true });
		try {
			const parents = [];
			for (let round = 0; round < 3; round++) parents.push((await local.exec('echo $PPID')).stdout.trim());
			// Each script runs under setsid in a group of its own; its parent is the supervisor.
			expect(new Set(parents).size).toBe(1);
			expect(Number(parents[0])).not.toBe(process.pid);
		} finally {
			await local.close();
		}
	});

	test('a script that finds the shell busy gets a shell of its own, and both report their own output and status', async () => {
		const local = new LocalTransport({ persistentShell: true });
		try {
			const slow = local.exec('sleep 0.5; echo slow; exit 3');
			const fast = await local.exec('echo fast >&2; exit 4');
			expect(fast).toMatchObject({ code: 4, stdout: '', stderr: 'fast\n' });
			expect(await slow).toMatchObject({ code: 3, stdout: 'slow\n', stderr: '' });
		} finally {
			await local.close();
		}
	});

	test('stdin arrives whole, a string or a stream of several megabytes', async () => {
		const local = new LocalTransport({ persistentShell: true });
		try {
			expect((await local.exec('cat', { stdin: 'hello\n' })).stdout).toBe('hello\n');
			const data = randomBytes(3 * 1024 * 1024 + 17);
			const result = await local.exec('f=$(mktemp); cat > "$f"; sha256sum < "$f" | cut -d" " -f1; wc -c < "$f"; rm -f "$f"', { stdin: Readable.from([data.subarray(0, 100), data.subarray(100)]) });
			expect(result.stdout.split('\n').slice(0, 2).map((line) => line.trim())).toEqual([createHash('sha256').update(data).digest('hex'), String(data.length)]);
		} finally {
			await local.close();
		}
	});

	test('a script killed by a signal is reported as such; lines stream as they come', async () => {
		const local = new LocalTransport({ persistentShell: true });
		try {
			const lines: string[] = [];
			const result = await local.exec('echo one; echo two >&2; kill -KILL $$', { onLine: (line, stream) => lines.push(`${stream} ${line}`) });
			expect(result).toMatchObject({ code: null, signal: 'SIGKILL' });
			expect(lines.sort()).toEqual(['stderr two', 'stdout one']);
		} finally {
			await local.close();
		}
	});

	test('a host closed cleanly hands its idle shell to the next host; one closed mid-script stops the script and its shell', async () => {
		const first = new LocalTransport({ persistentShell: true });
		const shell = Number((await first.exec('echo $PPID')).stdout.trim());
		await first.onDisconnect('true');
		await first.close();
		const next = new LocalTransport({ persistentShell: true });
		expect(Number((await next.exec('echo $PPID')).stdout.trim())).toBe(shell);

		const running = next.exec('echo started; sleep 30', { onLine: (line) => line === 'started' && void next.close() });
		expect(await running).toMatchObject({ code: null });
		const alive = () => {
			try {
				process.kill(shell, 0);
				return true;
			} catch {
				return false;
			}
		};
		for (let waited = 0; alive() && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 50));
		expect(alive()).toBe(false);
	});
});
