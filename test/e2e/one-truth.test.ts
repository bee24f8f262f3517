import { execSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';

/**
 * One truth (issue #10), headless: what a run reports, records and exits with is what happened on
 * the hosts, whatever the output is plugged into. Real local hosts, real pipes.
 */

const fleet = trackedFleets();

/** Every path under `dir` with its type, mode, mtime, size and content hash or link target: a host "byte for byte". */
function snapshot(dir: string): string[] {
	if (!existsSync(dir)) return [];
	const out: string[] = [];
	const walk = (relative: string) => {
		const absolute = path.join(dir, relative);
		const stat = lstatSync(absolute, { bigint: true });
		const kind = stat.isSymbolicLink() ? `link ${readlinkSync(absolute)}` : stat.isDirectory() ? 'dir' : `file ${stat.size} ${execSync(`sha256sum ${JSON.stringify(absolute)}`).toString().slice(0, 64)}`;
		out.push(`${relative || '.'} ${kind} ${stat.mode.toString(8)} ${stat.mtimeNs}`);
		if (stat.isDirectory()) for (const name of readdirSync(absolute).sort()) walk(path.join(relative, name));
	};
	walk('');
	return out;
}

/**
 * `command | head -n lines` in a real shell: the CLI's exit status and everything the pipe let
 * through. `gate` appears once head has exited: hosts whose dry_run waits for it are mid-run then.
 */
async function throughHead(demo: LocalFleet, args: string, lines: number) {
	const gate = path.join(demo.dir, 'gate');
	rmSync(gate, { force: true });
	const result = await execa('bash', ['-c', `node ${cli} ${args} --config ${demo.config} | { head -n ${lines}; touch ${gate}; }; echo "cli-exit=\${PIPESTATUS[0]}" >&2`], {
		cwd: demo.dir,
		reject: false,
		stdin: 'ignore',
		env: { NO_COLOR: '1' },
	});
	const code = Number(/cli-exit=(\d+)/.exec(String(result.stderr))?.[1]);
	return { code, stdout: String(result.stdout), stderr: String(result.stderr) };
}

const runsOf = (demo: LocalFleet) => {
	const dir = path.join(demo.dir, '.switchyard', 'runs');
	return existsSync(dir) ? readdirSync(dir).sort() : [];
};
const eventsOf = (demo: LocalFleet, runId: string) =>
	readFileSync(path.join(demo.dir, '.switchyard', 'runs', runId, 'events.jsonl'), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as { type: string; at: unknown; [key: string]: unknown });

const locks = (demo: LocalFleet) => demo.hosts.map((host) => host.name).filter((host) => existsSync(path.join(demo.root(host), '.lock')));

const releaseOf = (demo: LocalFleet, host: string, id: number): string =>
	JSON.parse(readFileSync(path.join(demo.root(host), 'generations', String(id), '.switchyard', 'generation.json'), 'utf8')).release;

describe('one truth, headless', () => {
	it('a closed pipe (| head) cancels like Ctrl-C: locks released, record complete, exit 141', async () => {
		// Each host holds its lock in its dry run until head has gone: the pipe closes mid-run, whatever the load.
		const waitForGate = 'dry_run = "while [ ! -f ../../gate ]; do sleep 0.05; done"';
		const names = ['alpha', 'bravo', 'charlie', 'delta'];
		const demo = await fleet(names, { hostToml: Object.fromEntries(names.map((name) => [name, waitForGate])) });
		const deploy = await throughHead(demo, 'deploy --yes --json', 5);
		expect(deploy.stdout.trim().split('\n')).toHaveLength(5);
		expect(deploy.code).toBe(141);
		expect(locks(demo)).toEqual([]);
		const [runId] = runsOf(demo);
		const events = eventsOf(demo, runId!);
		expect(events.at(-1)?.type).toBe('run-finished');
		expect(events.filter((event) => event.type === 'host-done')).toHaveLength(4);
		// Hosts are where the record says they are.
		for (const done of events.filter((event) => event.type === 'host-done')) expect(done.current ?? null).toBe(demo.current(done.host as string));

		const dryRun = await throughHead(demo, 'deploy --dry-run --json', 8);
		expect(dryRun.code).toBe(141);
		expect(locks(demo)).toEqual([]);
		expect(eventsOf(demo, runsOf(demo).at(-1)!).at(-1)?.type).toBe('run-finished');

		writeFileSync(path.join(demo.dir, 'gate'), '');
		const next = await demo.run('deploy', '--yes');
		expect(next.stdout).not.toContain('locked');
		expect(next.exitCode).toBe(0);
	}, 120_000);

	it('a bare `switchyard` without a terminal prints usage, exits 2 and touches nothing', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		const result = await execa('bash', ['-c', `node ${cli} --config ${demo.config} | cat`], { cwd: demo.dir, reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
		expect(result.exitCode).toBe(0); // cat's
		const direct = await demo.run();
		expect(direct.exitCode).toBe(2);
		expect(direct.stderr).toMatch(/no terminal/);
		expect(direct.stderr).toContain('switchyard deploy');
		expect(String(result.stdout)).toBe('');
		expect(String(result.stderr)).toContain('switchyard deploy');
		expect(existsSync(path.join(demo.dir, 'dist'))).toBe(false);
		expect(existsSync(path.join(demo.dir, 'hosts'))).toBe(false);
		expect(existsSync(path.join(demo.dir, '.switchyard'))).toBe(false);
	});

	it('--dry-run leaves every host byte for byte as it was, new or deployed', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		const first = await demo.run('deploy', '--dry-run');
		expect(first.exitCode).toBe(0);
		expect(existsSync(path.join(demo.dir, 'hosts'))).toBe(false);

		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		// Stamps far in the past, so a dir touched by the dry run would show.
		for (const host of ['alpha', 'bravo']) for (const entry of ['', 'generations', 'shared']) utimesSync(path.join(demo.root(host), entry), 1_000_000, 1_000_000);
		const before = ['alpha', 'bravo'].map((host) => snapshot(demo.root(host)));
		const again = await demo.run('deploy', '--dry-run');
		expect(again.exitCode).toBe(0);
		expect(['alpha', 'bravo'].map((host) => snapshot(demo.root(host)))).toEqual(before);
	}, 60_000);

	it('preflight checks the artifact against what the switch needs: nothing is staged or switched', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'binaries = ["demo-cli", "demo-missing"]\nbin_prefix = "usr-local-bin"' } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/✗ alpha +failed — .*bin\/demo-missing/);
		expect(result.stdout).not.toContain('staged generation');
		expect(demo.generations('alpha')).toEqual([]);
		expect(demo.current('alpha')).toBeNull();
		expect(demo.switchesLog('alpha')).toEqual([]);
	});

	it('generations carry their status; keep counts only generations that went live', async () => {
		const demo = await fleet(['alpha'], { keep: 3 });
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		// Every generation created from now on is unhealthy: three deploys fail and roll back to 2.
		writeFileSync(path.join(demo.root('alpha'), 'shared', 'data', 'break-new'), '');
		for (let run = 0; run < 3; run += 1) {
			const failed = await demo.run('deploy', '--yes');
			expect(failed.exitCode).toBe(1);
			expect(failed.stdout).toMatch(/↺ alpha +rolled back/);
		}
		expect(demo.current('alpha')).toBe(2);
		// The last known-good generations survive the failed ones.
		expect(demo.generations('alpha')).toContain(1);
		expect(demo.generations('alpha')).toContain(2);
		expect(demo.generations('alpha')).toContain(5);

		// Declined: no terminal and no --yes.
		rmSync(path.join(demo.root('alpha'), 'shared', 'data', 'break-new'));
		const declined = await demo.run('deploy');
		expect(declined.exitCode).toBe(3);

		const listed = await demo.run('generations', '--host', 'alpha');
		expect(listed.stdout).toMatch(/\n\s+1\s.*live/);
		expect(listed.stdout).toMatch(/\n\*\s+2\s.*live.*\(current\)/);
		expect(listed.stdout).toMatch(/\n\s+5\s.*failed validation/);
		expect(listed.stdout).toMatch(/\n\s+6\s.*declined/);
		const json = (await demo.run('generations', '--host', 'alpha', '--json')).stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
		const statuses = Object.fromEntries(json.find((event) => event.type === 'generations').generations.map((generation: { id: number; status: string }) => [generation.id, generation.status]));
		expect(statuses).toMatchObject({ 1: 'live', 2: 'live', 5: 'failed', 6: 'declined' });

		// A good deploy: 1, 2 and 7 went live; the failed and declined ones go first.
		const good = await demo.run('deploy', '--yes');
		expect(good.exitCode).toBe(0);
		expect(demo.generations('alpha')).toEqual([1, 2, 7]);
	}, 120_000);

	it('deploy --retry redeploys the last run\'s failed hosts with its release, and refuses a changed artifact', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'), '');
		const failed = await demo.run('deploy', '--yes');
		expect(failed.exitCode).toBe(1);
		const release = releaseOf(demo, 'alpha', 2);
		rmSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'));

		const retry = await demo.run('deploy', '--retry', '--yes');
		expect(retry.stderr).toBe('');
		expect(retry.exitCode).toBe(0);
		expect(retry.stdout).not.toMatch(/\[build\] (▸|✓) build/);
		expect(retry.stdout).toContain('[bravo] ✓ ok');
		expect(retry.stdout).not.toContain('[alpha]');
		expect(demo.current('bravo')).toBe(3);
		expect(releaseOf(demo, 'bravo', 3)).toBe(release);
		expect(demo.current('alpha')).toBe(2);

		// Nothing failed last time: nothing to retry.
		const nothing = await demo.run('deploy', '--retry', '--yes');
		expect(nothing.exitCode).toBe(2);
		expect(nothing.stderr).toMatch(/nothing to retry/);

		writeFileSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'), '');
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(1);
		rmSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'));
		writeFileSync(path.join(demo.dir, 'dist', 'version.txt'), 'tampered\n');
		const changed = await demo.run('deploy', '--retry', '--yes');
		expect(changed.exitCode).toBe(2);
		expect(changed.stderr).toMatch(/artifact .* changed since run/);
		expect(demo.current('bravo')).toBe(3);
	}, 120_000);

	it('records timestamps one way: every event has an ISO `at`', async () => {
		const demo = await fleet(['alpha']);
		await demo.run('deploy', '--yes');
		const events = eventsOf(demo, runsOf(demo).at(-1)!);
		for (const event of events) expect(event.at, event.type).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
		expect(statSync(path.join(demo.dir, '.switchyard', 'runs', runsOf(demo).at(-1)!, 'hosts', 'alpha.log')).size).toBeGreaterThan(0);
	});
});
