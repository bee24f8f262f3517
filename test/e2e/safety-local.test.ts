import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { LocalTransport } from '../../source/transport/local.js';
import { armWatchdog, confirmWatchdog } from '../../source/engine/lifecycle/dead-man.js';
import { repo, trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

describe('waves', () => {
	it('stops switching the rest when the canary fails', async () => {
		const demo = await fleet(['canary', 'web-1', 'web-2']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('canary'), 'shared', 'data', 'break-new'), '');
		const result = await demo.run('deploy', '--yes', '--canary', '1');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain('wave 1/2 (canary): canary');
		expect(result.stdout).toMatch(/◐ web-1 +staged, not switched — not switched: canary canary failed; generation 2 staged/);
		expect(demo.current('canary')).toBe(1);
		expect(demo.current('web-1')).toBe(1);
		expect(demo.current('web-2')).toBe(1);
		expect(demo.generations('web-1')).toEqual([1, 2]);
	});

	it('switches in batches and stops at --max-failures', async () => {
		const demo = await fleet(['a', 'b', 'c', 'd']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('a'), 'shared', 'data', 'break-new'), '');
		const result = await demo.run('deploy', '--yes', '--batch', '2', '--max-failures', '1', '--jobs', '1');
		expect(result.stdout).toContain('wave 1/2: a, b');
		expect(result.stdout).toMatch(/not switched: 1 failure reached max failures \(1\)/);
		expect([demo.current('a'), demo.current('b'), demo.current('c'), demo.current('d')]).toEqual([1, 2, 1, 1]);
	});
});

describe('locks', () => {
	it('--break-lock removes a held lock and records it in switches.log', async () => {
		const demo = await fleet(['alpha']);
		const lock = path.join(demo.root('alpha'), '.lock');
		mkdirSync(lock, { recursive: true });
		writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ operator: 'gone@crashed-laptop', machine: 'crashed-laptop', pid: 1, runId: 'old-run', startedAt: '2026-01-01T00:00:00Z' }));
		const refused = await demo.run('deploy', '--yes');
		expect(refused.stdout).toMatch(/locked by gone@crashed-laptop .* — stale: older than 60 min; --break-lock removes it/);
		const result = await demo.run('deploy', '--yes', '--break-lock');
		expect(result.exitCode).toBe(0);
		expect(result.stdout).toContain('[alpha] broke the lock: locked by gone@crashed-laptop (pid 1, run old-run)');
		const log = demo.switchesLog('alpha');
		expect(log[0]!.slice(2, 5)).toEqual(['-', '-', 'break-lock']);
		expect(log[0]![5]).toContain('"runId":"old-run"');
		expect(log[1]!.slice(2, 5)).toEqual(['-', '1', 'deploy']);
		expect(existsSync(lock)).toBe(false);
	});
});

describe('secrets', () => {
	it('writes secrets into .env (0600) and masks them in output and run records', async () => {
		const demo = await fleet(['alpha'], { toml: '[env]\nAPI_TOKEN = { value = "tok-8d7f6e5a", secret = true }\n', hostToml: { alpha: 'after_switch = ["grep API_TOKEN .env"]' } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(0);
		const env = path.join(demo.root('alpha'), 'current', '.env');
		expect(readFileSync(env, 'utf8')).toContain('API_TOKEN="tok-8d7f6e5a"');
		expect((await import('node:fs')).statSync(env).mode & 0o777).toBe(0o600);
		expect(result.stdout).toContain('[alpha] API_TOKEN="••••••"');
		expect(result.stdout).not.toContain('tok-8d7f6e5a');
		const runs = path.join(demo.dir, '.switchyard', 'runs');
		for (const run of readdirSync(runs)) {
			expect(readFileSync(path.join(runs, run, 'events.jsonl'), 'utf8')).not.toContain('tok-8d7f6e5a');
			expect(readFileSync(path.join(runs, run, 'hosts', 'alpha.log'), 'utf8')).not.toContain('tok-8d7f6e5a');
		}
	});
});

describe('run records', () => {
	it('are readable by the operator alone: dirs 0700, files 0600 (host logs carry host output)', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'after_switch = ["echo host output"]' } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode, result.stdout).toBe(0);
		const runs = path.join(demo.dir, '.switchyard', 'runs');
		const run = path.join(runs, readdirSync(runs)[0]!);
		const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
		expect([runs, run, path.join(run, 'hosts')].map(mode)).toEqual(['700', '700', '700']);
		expect([path.join(run, 'events.jsonl'), path.join(run, 'build.log'), path.join(run, 'hosts', 'alpha.log')].map(mode)).toEqual(['600', '600', '600']);
		expect(readFileSync(path.join(run, 'hosts', 'alpha.log'), 'utf8')).toContain('host output');
	});
});

describe('watchdog', () => {
	const dir = path.join(repo, 'test', '.tmp', `watchdog-${process.pid}`);
	const transport = new LocalTransport();

	it('reverts when no confirmation arrives in time', async () => {
		mkdirSync(dir, { recursive: true });
		const armed = await transport.exec(armWatchdog({ root: dir, token: 'run-a-2', runId: 'run-a', activationSeconds: 1, confirmSeconds: 1, revert: `echo reverted > ${dir}/revert-ran` }));
		expect(armed.stdout).toMatch(/SY:watchdog-armed \d+/);
		await waitFor(() => existsSync(path.join(dir, '.watchdog', 'run-a-2.reverted')), 'the watchdog to revert (run-a-2.reverted)');
		expect(readFileSync(path.join(dir, 'revert-ran'), 'utf8')).toBe('reverted\n');
		expect(readFileSync(path.join(dir, '.watchdog', 'run-a-2.reverted'), 'utf8')).toMatch(/^0 \d{4}-/);
	});

	it('does nothing once confirmed', async () => {
		mkdirSync(dir, { recursive: true });
		await transport.exec(armWatchdog({ root: dir, token: 'run-b-2', runId: 'run-b', activationSeconds: 2, confirmSeconds: 2, revert: `echo reverted > ${dir}/revert-b` }));
		expect((await transport.exec(confirmWatchdog(dir, 'run-b-2'))).code).toBe(0);
		// The watchdog removes its script when it sees the confirmation.
		await waitFor(() => !existsSync(path.join(dir, '.watchdog', 'run-b-2.sh')), 'the watchdog to see its confirmation and end');
		expect(existsSync(path.join(dir, 'revert-b'))).toBe(false);
		expect(existsSync(path.join(dir, '.watchdog', 'run-b-2.reverted'))).toBe(false);
	});
});
