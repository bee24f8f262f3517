import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, repo, trackedFleets } from '../support/local-fleet.js';
import { waitFor } from '../support/wait-for.js';

const fleet = trackedFleets();

/** `switchyard logs -f` on hosts whose service logs print a line and then wait, once every host has printed it. */
async function followLogs(names: readonly string[] = ['alpha'], ...args: string[]) {
	const following = `logs = "sh -c 'echo following; exec sleep 30'"`;
	const demo = await fleet(names, { hostToml: Object.fromEntries(names.map((name) => [name, following])) });
	const follow = execa('node', [cli, 'logs', '-f', ...args, '--config', demo.config], { reject: false, stdin: 'ignore', cwd: demo.dir, env: { NO_COLOR: '1' } });
	let output = '';
	follow.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	await waitFor(() => names.every((name) => output.includes(`[${name}] following`)), 'every followed log to print');
	// Wrapped: the subprocess is a promise, and returning it from here would wait for its end.
	return { follow };
}

describe('switchyard logs stopped by a signal', () => {
	// The numbers README's "Exit status" promises (128 + the signal's number), not the code's own table.
	it('SIGTERM exits 143, as every command does', async () => {
		const { follow } = await followLogs();
		follow.kill('SIGTERM');
		expect((await follow).exitCode).toBe(143);
	});

	it('SIGHUP exits 129', async () => {
		const { follow } = await followLogs();
		follow.kill('SIGHUP');
		expect((await follow).exitCode).toBe(129);
	});
});

describe('switchyard logs and --jobs', () => {
	it('reads --jobs hosts at a time', async () => {
		// Each host's logs command holds a shared mark while it waits (at most about a second) for the
		// other host's command to start; a second host running meanwhile finds the mark held.
		mkdirSync(path.join(repo, 'test', '.tmp'), { recursive: true });
		const marks = mkdtempSync(path.join(repo, 'test', '.tmp', 'logs-jobs-'));
		const hold = path.join(marks, 'hold.sh');
		writeFileSync(
			hold,
			[
				'if mkdir "$1/held" 2>/dev/null; then',
				'  touch "$1/$2"; i=0',
				'  while [ ! -e "$1/$3" ] && [ $i -lt 20 ]; do sleep 0.05; i=$((i+1)); done',
				'  rmdir "$1/held"; echo alone',
				'else touch "$1/$2"; echo "with another host"; fi',
				'',
			].join('\n'),
		);
		const demo = await fleet(['alpha', 'bravo'], { hostToml: { alpha: `logs = "sh ${hold} ${marks} alpha bravo"`, bravo: `logs = "sh ${hold} ${marks} bravo alpha"` } });
		const result = await demo.run('logs', '--jobs', '1');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect(result.stdout.trim().split('\n').sort()).toEqual(['[alpha] alone', '[bravo] alone']);
	});

	it('-f shows every host, more than --jobs: a followed log frees its place once it streams', async () => {
		const { follow } = await followLogs(['alpha', 'bravo', 'charlie'], '--jobs', '1');
		follow.kill('SIGINT');
		expect((await follow).exitCode).toBe(0);
	});
});

describe('switchyard logs on a host with nothing to show', () => {
	it('says so and exits 0: a {service} template and no services is not a failure to read', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'services = []\nlogs = "journalctl -u {service}"' } });
		const result = await demo.run('logs');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect(result.stdout).toContain('[alpha] no services to show the logs of (services = [])');
	});
});
