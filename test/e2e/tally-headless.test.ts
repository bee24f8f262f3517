import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load-config.js';
import { breakLocks } from '../../source/engine/inspect-fleet.js';
import { runSinks } from '../../source/record/run-sinks.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { waitFor } from '../support/wait-for.js';

/**
 * One tally, told the same on every surface (issue #19), headless: the built CLI's output and
 * exit status, `switchyard runs` (text and --json) and the run records, on real local hosts.
 */

const fleet = trackedFleets();

const releaseOf = (demo: LocalFleet, host: string, id: number): string =>
	JSON.parse(readFileSync(path.join(demo.root(host), 'generations', String(id), '.switchyard', 'generation.json'), 'utf8')).release;

const runsDir = (demo: LocalFleet) => path.join(demo.dir, '.switchyard', 'runs');
const newestRun = (demo: LocalFleet): string => readdirSync(runsDir(demo)).sort().at(-1)!;
const eventsOf = (demo: LocalFleet, runId: string) =>
	readFileSync(path.join(runsDir(demo), runId, 'events.jsonl'), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });

/** The summary a run printed: from its headline to the line before "Run recorded in". */
function summaryOf(stdout: string): string[] {
	const lines = stdout.split('\n');
	const start = lines.findIndex((line) => line.startsWith('Summary: '));
	expect(start, stdout).toBeGreaterThanOrEqual(0);
	const end = lines.findIndex((line, index) => index > start && (line.startsWith('Run recorded in') || line === ''));
	return lines.slice(start, end === -1 ? undefined : end);
}

/** The CLI as a child, with its output so far, to interrupt it at a moment the hosts show. */
function startCli(demo: LocalFleet, args: readonly string[]) {
	const child = spawn('node', [cli, ...args, '--config', demo.config], { cwd: demo.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
	return { child, exited, output: () => ({ stdout, stderr }) };
}


describe('one tally, headless', () => {
	it('counts manual intervention at 200 hosts: the headline, the exit status, and those hosts first', async () => {
		const names = Array.from({ length: 200 }, (_, index) => `web-${String(index + 1).padStart(3, '0')}`);
		const sick = ['web-019', 'web-091', 'web-154'];
		const demo = await fleet(names, { services: false, hostToml: Object.fromEntries(names.map((name) => [name, 'health = { command = "test ! -f data/sick" }'])) });
		// Three hosts whose every generation fails its health check: their first one has nothing to go back to.
		for (const host of sick) {
			mkdirSync(path.join(demo.root(host), 'shared', 'data'), { recursive: true });
			writeFileSync(path.join(demo.root(host), 'shared', 'data', 'sick'), '');
		}
		const result = await demo.run('deploy', '--yes', '--jobs', '16');
		expect(result.exitCode).toBe(1);
		const summary = summaryOf(result.stdout);
		expect(summary[0]).toBe('Summary: ‼ 3 manual intervention · ✓ 197 ok (200 hosts)');
		// The three hosts that need a person come first, then one counted line for the rest.
		for (const [index, host] of sick.entries()) expect(summary[index + 1]).toMatch(new RegExp(`^  ‼ ${host} +MANUAL INTERVENTION REQUIRED — .* · gen 1$`));
		expect(summary[4]).toMatch(/^ {2}✓ 197 ok: web-001, web-002, .* and \d+ more \(--verbose lists them\)$/);
		expect(summary).toHaveLength(5);
		for (const host of sick) expect(demo.current(host)).toBe(1);
	}, 600_000);

	it('switchyard runs tells cancelled runs, dry runs, staged hosts and lock breaks apart, in columns; --json carries the tally', async () => {
		const names = ['alpha', 'bravo', 'charlie', 'delta'];
		// Each host's dry run waits for a gate file: the first deploy is cancelled while all of them wait.
		const gate = 'dry_run = "while [ ! -f ../../gate ]; do sleep 0.05; done"';
		const demo = await fleet(names, { hostToml: Object.fromEntries(names.map((name) => [name, gate])) });

		const cancelled = startCli(demo, ['deploy', '--yes']);
		await waitFor(() => names.every((name) => existsSync(path.join(demo.root(name), '.lock'))), 'every host to wait in its dry run');
		cancelled.child.kill('SIGINT');
		expect(await cancelled.exited).toBe(130);
		writeFileSync(path.join(demo.dir, 'gate'), '');

		expect((await demo.run('deploy', '--dry-run')).exitCode).toBe(0);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		// The canary fails its health check: the other three stay staged.
		writeFileSync(path.join(demo.root('alpha'), 'shared', 'data', 'break-new'), '');
		expect((await demo.run('deploy', '--yes', '--canary', '1')).exitCode).toBe(1);

		// The console's `B`: a held lock broken, and a lock that was already gone.
		const config = loadConfig(demo.config);
		const lock = path.join(demo.root('delta'), '.lock');
		mkdirSync(lock);
		writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ operator: 'carol@ops', machine: 'ops', pid: 4242, runId: 'run-77', startedAt: new Date().toISOString() }));
		for (let round = 0; round < 2; round += 1) {
			const sinks = runSinks(config.dir, () => {});
			await breakLocks({ config, hosts: config.hosts.filter((host) => host.name === 'delta'), emit: sinks.emit, openTransport: transportFactory() });
			await sinks.close();
		}

		const listed = (await demo.run('runs')).stdout.split('\n');
		const header = listed[0]!;
		expect(header).toMatch(/^RUN +KIND +RELEASE +TALLY +HOSTS$/);
		const rows = listed.slice(1).filter((line) => /^\d{8}/.test(line));
		expect(rows).toHaveLength(6);
		// Newest first; every column starts where its heading does, break-lock rows too.
		for (const row of rows) {
			expect(row.slice(header.indexOf('KIND'))).toMatch(/^(deploy|break-lock) /);
			expect(row[header.indexOf('RELEASE') - 1]).toBe(' ');
			expect(row[header.indexOf('RELEASE')]).not.toBe(' ');
			expect(row[header.indexOf('TALLY') - 1]).toBe(' ');
		}
		const tallies = rows.map((row) => row.slice(header.indexOf('TALLY'), header.indexOf('HOSTS')).trim());
		expect(tallies).toEqual([
			'– 1 skipped',
			'✓ 1 ok',
			'↺ 1 rolled back · ◐ 3 staged, not switched',
			'✓ 4 ok',
			'dry run · ✓ 4 ok',
			'run cancelled · ⊘ 4 cancelled',
		]);

		const json = (await demo.run('runs', '--json')).stdout
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as { started: { kind: string }; tally: { total: number; dryRun: boolean; interrupted: boolean; counts: Record<string, number> } });
		expect(json.map((run) => run.tally)).toEqual([
			expect.objectContaining({ total: 1, dryRun: false, interrupted: false, counts: expect.objectContaining({ skipped: 1, ok: 0 }) }),
			expect.objectContaining({ total: 1, counts: expect.objectContaining({ ok: 1 }) }),
			expect.objectContaining({ total: 4, counts: expect.objectContaining({ 'rolled-back': 1, staged: 3, ok: 0 }) }),
			expect.objectContaining({ total: 4, dryRun: false, counts: expect.objectContaining({ ok: 4 }) }),
			expect.objectContaining({ total: 4, dryRun: true, counts: expect.objectContaining({ ok: 4 }) }),
			expect.objectContaining({ total: 4, interrupted: true, counts: expect.objectContaining({ cancelled: 4, ok: 0 }) }),
		]);
		// Nothing was broken the second time: switches.log has the one break.
		expect(demo.switchesLog('delta').filter((line) => line[4] === 'break-lock')).toHaveLength(1);
	}, 180_000);

	it('retry skips a dry run and a run refused by a lock; the dry run leaves the artifact as it found it', async () => {
		const demo = await fleet(['alpha', 'delta']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('delta'), 'shared', 'data', 'break-new'), '');
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(1);
		rmSync(path.join(demo.root('delta'), 'shared', 'data', 'break-new'));
		const release = releaseOf(demo, 'alpha', 2);
		const artifact = readFileSync(path.join(demo.dir, 'dist', 'version.txt'), 'utf8');
		expect(artifact.trim()).toBe(release);

		const dryRun = await demo.run('deploy', '--dry-run');
		expect(dryRun.exitCode).toBe(0);
		expect(dryRun.stdout).toContain('Summary: dry run · ✓ 2 ok (2 hosts)');
		expect(readFileSync(path.join(demo.dir, 'dist', 'version.txt'), 'utf8')).toBe(artifact);
		expect((await demo.run('check')).exitCode).toBe(0);
		// Someone else holds both hosts: this run touches nothing.
		for (const host of ['alpha', 'delta']) {
			mkdirSync(path.join(demo.root(host), '.lock'));
			writeFileSync(path.join(demo.root(host), '.lock', 'owner.json'), JSON.stringify({ operator: 'carol@ops', machine: 'ops', pid: 4242, runId: 'run-77', startedAt: new Date().toISOString() }));
		}
		expect((await demo.run('deploy', '--yes', '--skip-build')).exitCode).toBe(1);
		for (const host of ['alpha', 'delta']) rmSync(path.join(demo.root(host), '.lock'), { recursive: true });

		const retry = await demo.run('deploy', '--retry', '--yes');
		expect(retry.stderr).toBe('');
		expect(retry.exitCode).toBe(0);
		expect(retry.stdout).toContain('Summary: ✓ 1 ok (1 host)');
		expect(demo.current('delta')).toBe(3);
		expect(releaseOf(demo, 'delta', 3)).toBe(release);
		expect(demo.current('alpha')).toBe(2);
	}, 180_000);

	it('rollback without --yes and without a terminal says where each host would go and the command that does it', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		for (let run = 0; run < 2; run += 1) expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		const result = await demo.run('rollback');
		expect(result.exitCode).toBe(3);
		const said = result.stdout + result.stderr;
		for (const host of ['alpha', 'bravo']) {
			expect(said).toMatch(new RegExp(`${host}: generation 2 → 1 \\(release ${releaseOf(demo, host, 1)}\\)`));
			expect(said).toContain(`switchyard rollback --host ${host} --to 1 --yes --config ${demo.config}`);
		}
		expect(said).not.toContain('--phases switch,validate');
		expect(demo.current('alpha')).toBe(2);
		expect(demo.current('bravo')).toBe(2);
	}, 120_000);

	it('health checks log their pass; command output is labelled, an error body is shown; a switch reads the same everywhere', async () => {
		const demo = await fleet(['alpha', 'bravo'], { hostToml: { bravo: 'health = { command = "echo checking bravo; test ! -f data/sick" }' } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(0);
		const release = releaseOf(demo, 'alpha', 1);
		expect(result.stdout).toMatch(new RegExp(`\\[alpha\\] ✓ health: GET http://127\\.0\\.0\\.1:\\d+/health 200, release ${release} \\(attempt \\d+\\)`));
		expect(result.stdout).toMatch(/\[bravo\] ✓ health: echo checking bravo.* \(attempt 1\)/);
		expect(result.stdout).toContain('[bravo] health › checking bravo');
		expect(result.stdout).not.toMatch(/^\[bravo\] checking bravo$/m);
		expect(result.stdout).toContain('[alpha] ⇄ switched ∅ → 1 (deploy)');
		const log = readFileSync(path.join(runsDir(demo), newestRun(demo), 'hosts', 'alpha.log'), 'utf8');
		expect(log).toMatch(/ ✓ health: GET http:\/\/127\.0\.0\.1:\d+\/health 200/);
		expect(log).toContain(' ⇄ switched ∅ → 1 (deploy)');

		writeFileSync(path.join(demo.root('alpha'), 'shared', 'data', 'break-new'), '');
		const failed = await demo.run('deploy', '--yes', '--host', 'alpha');
		expect(failed.exitCode).toBe(1);
		expect(failed.stdout).toMatch(/health: GET http:\/\/127\.0\.0\.1:\d+\/health: HTTP 500: unhealthy \S+ \(data\/break-new is newer than this generation\)/);
	}, 120_000);

	it('a run with every outcome at once: headline, summary, runs (text and --json), the record and the exit status agree', async () => {
		const names = ['alpha', 'bravo', 'charlie', 'echo', 'delta'];
		const demo = await fleet(names, { hostToml: { charlie: 'health = { command = "test ! -f data/sick" }' } });
		// The first four switch as one wave, one at a time; two failures stop the rest.
		writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('[defaults]\n', '[defaults]\ncanary = 4\nmax_failures = 1\n'));
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		for (const name of names) expect(demo.current(name)).toBe(1);
		writeFileSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'), '');
		writeFileSync(path.join(demo.root('charlie'), 'shared', 'data', 'sick'), '');

		const run = startCli(demo, ['deploy', '--yes', '--jobs', '1']);
		// charlie's switch has begun (it finishes); echo, next in the wave, is cancelled before its switch.
		await waitFor(() => demo.current('charlie') === 2, "charlie's switch", 120_000);
		run.child.kill('SIGINT');
		const code = await run.exited;
		const { stdout } = run.output();
		expect(code, stdout).toBe(130);
		const headline = 'Summary: run cancelled · ‼ 1 manual intervention · ↺ 1 rolled back · ◐ 1 staged, not switched · ⊘ 1 cancelled · ✓ 1 ok (5 hosts)';
		const summary = summaryOf(stdout);
		expect(summary[0]).toBe(headline);
		expect(summary.slice(1).map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['‼ charlie', '↺ bravo', '◐ delta', '⊘ 1', '✓ 1']);
		expect(summary).toContain('  ⊘ 1 cancelled: echo');
		expect(summary).toContain('  ✓ 1 ok: alpha');
		expect(summary[1]).toContain('switched back to generation 1, and generation 1 fails its health check too');
		expect(summary[1]).toMatch(/· gen 1$/);

		const runId = newestRun(demo);
		const finished = eventsOf(demo, runId).at(-1) as unknown as { type: string; summary: { tally: { counts: Record<string, number>; total: number; interrupted: boolean } } };
		expect(finished.type).toBe('run-finished');
		const counts = { manual: 1, failed: 0, 'rolled-back': 1, staged: 1, cancelled: 1, skipped: 0, 'operator-rollback': 0, ok: 1 };
		expect(finished.summary.tally).toEqual({ total: 5, dryRun: false, interrupted: true, counts });
		expect(readFileSync(path.join(runsDir(demo), runId, 'summary.txt'), 'utf8').split('\n')).toEqual(expect.arrayContaining(summary));
		expect(readFileSync(path.join(runsDir(demo), runId, 'hosts', 'charlie.log'), 'utf8')).toMatch(/‼ MANUAL INTERVENTION REQUIRED — .*switched back to generation 1/);

		const listed = (await demo.run('runs')).stdout.split('\n');
		expect(listed.find((line) => line.startsWith(runId))).toContain(headline.replace('Summary: ', '').replace(' (5 hosts)', ''));
		const json = (await demo.run('runs', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { runId: string; tally: unknown });
		expect(json.find((each) => each.runId === runId)?.tally).toEqual({ total: 5, dryRun: false, interrupted: true, counts });

		for (const name of ['alpha']) expect(demo.current(name)).toBe(2);
		for (const name of ['bravo', 'charlie', 'echo', 'delta']) expect(demo.current(name)).toBe(1);
	}, 240_000);
});
