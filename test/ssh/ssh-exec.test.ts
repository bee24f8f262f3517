import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SshTransport } from '../../source/transport/ssh.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { fleetTransport } from './fleet-transport.js';

describe.runIf(requireSshd('ssh exec'))('ssh exec against a real sshd', () => {
	let fleet: Fleet;
	let ssh: SshTransport;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'fleet-1' }, { name: 'narrow', maxSessions: 2 }, { name: 'doomed' }] });
		ssh = fleetTransport(fleet, 'fleet-1');
		await ssh.connect();
	});
	afterAll(async () => {
		await ssh?.close();
		await fleet?.stop();
	});

	test('resolves the alias through the fleet ssh_config', () => {
		const host = fleet.host('fleet-1');
		expect(ssh.describe).toBe(`${host.user}@127.0.0.1:${host.port}`);
	});

	test('reports exit codes, stdout and stderr as lines', async () => {
		const lines: string[] = [];
		const result = await ssh.exec('echo out; echo err >&2; printf "no newline"; exit 3', {
			onLine: (line, stream) => lines.push(`${stream}:${line}`),
		});
		expect(result.code).toBe(3);
		expect(result.failure).toBeUndefined();
		expect(result.stdout).toBe('out\nno newline');
		expect(result.stderr).toBe('err\n');
		expect(lines).toEqual(['stdout:out', 'stderr:err', 'stdout:no newline']);
		expect((await ssh.exec('true')).code).toBe(0);
	});

	test('reports a command killed by a signal', async () => {
		const result = await ssh.exec('kill -9 $$');
		expect(result.code).toBeNull();
		expect(result.signal).toBe('SIGKILL');
	});

	test('aborting the signal stops the remote command', async () => {
		const controller = new AbortController();
		const marker = join(fleet.host('fleet-1').root, `abort-${randomBytes(3).toString('hex')}`);
		const running = ssh.exec(`echo started; sleep 30; touch ${marker}`, {
			signal: controller.signal,
			onLine: (line) => line === 'started' && controller.abort(),
		});
		const result = await running;
		expect(result.code).toBeNull();
		expect(result.failure).toBe('cancelled');
		// The shell got TERM: nothing ran after the sleep.
		expect((await ssh.exec(`test -e ${marker}`)).code).toBe(1);
	});

	test('pipes a few MB of tar through stdin intact', async () => {
		const source = join(fleet.dir, 'upload-src');
		mkdirSync(join(source, 'nested'), { recursive: true });
		const digests = new Map<string, string>();
		for (let i = 0; i < 40; i++) {
			const data = randomBytes(100_000 + i * 1000);
			const name = i % 2 ? `nested/file-${i}.bin` : `file-${i}.bin`;
			writeFileSync(join(source, name), data);
			digests.set(name, createHash('sha256').update(data).digest('hex'));
		}
		const destination = join(fleet.host('fleet-1').root, 'upload-dest');
		const tar = spawn('tar', ['-cf', '-', '-C', source, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
		const result = await ssh.exec(`mkdir -p ${destination} && tar -xf - -C ${destination} && echo unpacked`, { stdin: tar.stdout });
		expect(result).toMatchObject({ code: 0, stdout: 'unpacked\n' });
		for (const [name, digest] of digests) {
			expect(createHash('sha256').update(readFileSync(join(destination, name))).digest('hex')).toBe(digest);
		}
		expect(readdirSync(join(destination, 'nested'))).toHaveLength(20);
	});

	test('a large stdin stream is pulled as the host reads it (backpressure), and all of it arrives', async () => {
		const total = 24 * 1024 * 1024;
		let generated = 0;
		const source = new Readable({
			highWaterMark: 64 * 1024,
			read() {
				if (generated >= total) return void this.push(null);
				const chunk = Buffer.alloc(Math.min(64 * 1024, total - generated), 120);
				generated += chunk.length;
				this.push(chunk);
			},
		});
		let generatedWhilePaused = -1;
		// The host reads one byte, then nothing for a second: the source must wait for it.
		const result = await ssh.exec('head -c 1 >/dev/null; echo paused; sleep 1; echo resumed; wc -c', {
			stdin: source,
			onLine: (line) => line === 'resumed' && (generatedWhilePaused = generated),
		});
		expect(result.code).toBe(0);
		expect(Number(result.stdout.split('\n')[2])).toBe(total - 1);
		expect(generatedWhilePaused).toBeGreaterThan(0);
		expect(generatedWhilePaused).toBeLessThan(total / 2);
	});

	test('a command waiting for a channel can be cancelled before it starts', async () => {
		const single = fleetTransport(fleet, 'fleet-1', { maxChannels: 1 });
		try {
			const controller = new AbortController();
			const busy = single.exec('echo busy; sleep 1', { onLine: () => controller.abort() });
			const queued = await single.exec('echo never', { signal: controller.signal });
			expect(queued).toMatchObject({ code: null, failure: 'cancelled', stdout: '' });
			expect((await busy).code).toBe(0);
		} finally {
			await single.close();
		}
	});

	test('sends string stdin with end-of-input', async () => {
		expect((await ssh.exec('wc -c', { stdin: 'hello\n' })).stdout.trim()).toBe('6');
		expect((await ssh.exec('cat', { stdin: Buffer.from('bytes') })).stdout).toBe('bytes');
	});

	test('ten concurrent commands on a MaxSessions 2 server all succeed', async () => {
		const narrow = fleetTransport(fleet, 'narrow');
		try {
			const results = await Promise.all(Array.from({ length: 10 }, (_, i) => narrow.exec(`sleep 0.2; echo ${i}`)));
			expect(results.map((result) => [result.code, result.stdout])).toEqual(Array.from({ length: 10 }, (_, i) => [0, `${i}\n`]));
		} finally {
			await narrow.close();
		}
	});

	test('runs many concurrent commands on one connection', async () => {
		const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ssh.exec(`echo ${i}`)));
		expect(results.every((result, i) => result.code === 0 && result.stdout === `${i}\n`)).toBe(true);
	});

	test('nothing listening: "connection refused" at once', async () => {
		const port = await closedPort();
		const refused = new SshTransport({ target: `root@127.0.0.1:${port}`, home: fleet.dir, agentSocket: '' });
		const started = Date.now();
		await expect(refused.connect()).rejects.toThrow(`connection refused (127.0.0.1:${port})`);
		expect(Date.now() - started).toBeLessThan(5000);
		const result = await refused.exec('true');
		expect(result).toMatchObject({ code: null, failure: `connection refused (127.0.0.1:${port})` });
	});

	test('sshd killed during a long command: code null, "connection lost", never success', async () => {
		const doomed = fleetTransport(fleet, 'doomed');
		try {
			const running = doomed.exec('echo started; sleep 60; echo finished', {
				onLine: (line) => line === 'started' && void fleet.kill('doomed'),
			});
			const result = await running;
			expect(result.code).toBeNull();
			expect(result.failure).toMatch(/^connection lost/);
			expect(result.stdout).toBe('started\n');
			// Once the server is back, the next execs share one new connection.
			await fleet.restart('doomed');
			const logins = () => (readFileSync(fleet.host('doomed').logFile, 'utf8').match(/Accepted publickey/g) ?? []).length;
			const results = await Promise.all([doomed.exec('echo back'), doomed.exec('echo back'), doomed.exec('echo back')]);
			expect(results.map((result) => result.stdout)).toEqual(['back\n', 'back\n', 'back\n']);
			expect(logins()).toBe(1);
		} finally {
			await doomed.close();
		}
	});

	test('a host that stops answering is given up on after the keepalives, not waited on forever', async () => {
		const hung = fleetTransport(fleet, 'doomed', { keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
		try {
			const result = await hung.exec('echo started; sleep 60', {
				onLine: (line) => line === 'started' && fleet.pause('doomed'),
			});
			expect(result).toMatchObject({ code: null, failure: 'connection lost: no answer to keepalives (2 × 0.2 s)' });
		} finally {
			fleet.resume('doomed');
			await hung.close();
		}
	});

	test('an unreadable target is a one-line failure, not a crash', async () => {
		const bad = new SshTransport({ target: 'root@host:99999', home: fleet.dir, agentSocket: '' });
		await expect(bad.connect()).rejects.toThrow(/invalid port/);
	});

	test('real OpenSSH accepts the same fleet files (sanity check of the harness)', () => {
		const out = execFileSync('ssh', ['-F', fleet.sshConfigFile, '-o', 'BatchMode=yes', 'fleet-1', 'echo via-openssh'], { encoding: 'utf8' });
		expect(out).toBe('via-openssh\n');
	});
});

function closedPort(): Promise<number> {
	return new Promise((resolve) => {
		const server = createServer().listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
		});
	});
}
