import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

const releaseOf = (fleetDir: string, host: string, id: number): string =>
	JSON.parse(readFileSync(path.join(fleetDir, 'hosts', host, 'generations', String(id), '.switchyard', 'generation.json'), 'utf8')).release;

describe('deploying the demo app to local hosts', () => {
	it('creates generations 1, 2, 3 whose files match their artifact, and rolls back to 1', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		for (let run = 1; run <= 3; run += 1) {
			const result = await demo.run('deploy', '--yes');
			expect(result.stderr).toBe('');
			expect(result.exitCode).toBe(0);
			expect(result.stdout).toContain('Summary: ✓ 2 ok (2 hosts)');
		}
		for (const host of ['alpha', 'bravo']) {
			expect(demo.generations(host)).toEqual([1, 2, 3]);
			expect(demo.current(host)).toBe(3);
			for (const id of [1, 2, 3]) {
				const generation = path.join(demo.root(host), 'generations', String(id));
				// Every file the manifest lists is there with its checksum, and it is this run's build.
				execSync('sha256sum -c --quiet --strict .switchyard/manifest.sha256', { cwd: generation });
				expect(readFileSync(path.join(generation, 'version.txt'), 'utf8').trim()).toBe(releaseOf(demo.dir, host, id));
				expect(readFileSync(path.join(generation, '.env'), 'utf8')).toContain(`SWITCHYARD_RELEASE="${releaseOf(demo.dir, host, id)}"`);
			}
			expect(await demo.health(host)).toContain(releaseOf(demo.dir, host, 3));
		}
		const pidBefore = readFileSync(path.join(demo.root('alpha'), 'shared', 'run', 'demo.pid'), 'utf8');

		const rollback = await demo.run('rollback', '--to', '1', '--host', 'alpha', '--yes');
		expect(rollback.exitCode).toBe(0);
		expect(demo.current('alpha')).toBe(1);
		expect(demo.current('bravo')).toBe(3);
		expect(readFileSync(path.join(demo.root('alpha'), 'shared', 'run', 'demo.pid'), 'utf8')).not.toBe(pidBefore);
		expect(await demo.health('alpha')).toContain(`ok ${releaseOf(demo.dir, 'alpha', 1)} generation 1`);
		expect(demo.switchesLog('alpha').at(-1)?.slice(2, 5)).toEqual(['3', '1', 'rollback']);

		const listed = await demo.run('generations', '--host', 'alpha');
		expect(listed.stdout).toMatch(/\* 1 .*\(current\)/);
		expect(listed.stdout).toMatch(/\n {2}3 /);
	});

	it('touches no host when the build fails', async () => {
		const broken = await fleet(['alpha', 'bravo'], { build: 'echo compiling; echo "error: syntax" >&2; exit 3' });
		const result = await broken.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain('[build] error: syntax');
		expect(result.stdout).toMatch(/build failed \(exit 3\): error: syntax — no host was touched/);
		expect(result.stdout).toContain('Summary: ✗ 2 failed (2 hosts)');
		expect(broken.generations('alpha')).toEqual([]);
		expect(broken.current('alpha')).toBeNull();
	});

	it('fails only the host whose root is not writable; the others deploy', async () => {
		const mixed = await fleet(['alpha', 'bravo', 'charlie'], { hostToml: { bravo: 'root = "/sys/switchyard-unwritable/bravo"' } });
		const result = await mixed.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain('Summary: ✗ 1 failed · ✓ 2 ok (3 hosts)');
		expect(result.stdout).toMatch(/✗ bravo +failed — preflight: mkdir: cannot create directory .*\/sys\/switchyard-unwritable/);
		expect(mixed.current('alpha')).toBe(1);
		expect(mixed.current('charlie')).toBe(1);
	});

	it('rolls a host back automatically when its health check fails', async () => {
		const demo = await fleet(['alpha', 'delta']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		// The demo service reports generations created after this file as unhealthy.
		writeFileSync(path.join(demo.root('delta'), 'shared', 'data', 'break-new'), '');
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain('Summary: ↺ 1 rolled back · ✓ 1 ok (2 hosts)');
		expect(result.stdout).toMatch(/↺ delta +rolled back — GET http:\/\/127.0.0.1:\d+\/health: HTTP 500: unhealthy .*; rolled back to generation 1/);
		expect(demo.current('alpha')).toBe(2);
		expect(demo.current('delta')).toBe(1);
		expect(demo.switchesLog('delta').map((line) => line.slice(2, 5))).toEqual([
			['-', '1', 'deploy'],
			['1', '2', 'deploy'],
			['2', '1', 'auto-rollback'],
		]);
		expect(await demo.health('delta')).toContain(`ok ${releaseOf(demo.dir, 'delta', 1)}`);
	});

	it('reports manual intervention when the rollback fails its health check too', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'health = { command = "test ! -f data/sick" }' } });
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('alpha'), 'shared', 'data', 'sick'), '');
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		// What happened: the host went back to 1, and 1 is unhealthy too. A person is needed: counted as manual.
		expect(result.stdout).toMatch(/‼ alpha +MANUAL INTERVENTION REQUIRED — .*; switched back to generation 1, and generation 1 fails its health check too \(.*\) — manual intervention required · gen 1/);
		expect(result.stdout).not.toContain('failed too');
		expect(result.stdout).toContain('Summary: ‼ 1 manual intervention (1 host)');
		expect(demo.current('alpha')).toBe(1);
		expect(demo.switchesLog('alpha').at(-1)?.slice(2, 5)).toEqual(['2', '1', 'auto-rollback']);
	});

	it('refuses a locked host with the holder named, and deploys the others', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		const lock = path.join(demo.root('bravo'), '.lock');
		mkdirSync(lock, { recursive: true });
		writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ operator: 'carol@ops-laptop', machine: 'ops-laptop', pid: 4242, runId: 'run-77', startedAt: new Date().toISOString() }));
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/✗ bravo +failed — locked by carol@ops-laptop \(pid 4242, run run-77\)/);
		expect(demo.current('alpha')).toBe(1);
		expect(demo.current('bravo')).toBeNull();
		expect(readFileSync(path.join(lock, 'owner.json'), 'utf8')).toContain('run-77');
	});

	it('keeps `keep` generations and never deletes the current or previous one', async () => {
		const demo = await fleet(['alpha'], { keep: 2 });
		for (let run = 0; run < 3; run += 1) expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		expect(demo.generations('alpha')).toEqual([2, 3]);
		expect((await demo.run('rollback', '--to', '2', '--yes')).exitCode).toBe(0);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		// 3 was rolled back from; 2 went live after it and is the last known-good generation besides current 4.
		expect(demo.current('alpha')).toBe(4);
		expect(demo.generations('alpha')).toEqual([2, 4]);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		expect(demo.generations('alpha')).toEqual([4, 5]);
	});

	it('switches nothing without a terminal and without --yes, and says why', async () => {
		const demo = await fleet(['alpha']);
		const result = await demo.run('deploy');
		// 3: nothing failed, but hosts were left staged.
		expect(result.exitCode).toBe(3);
		expect(result.stderr).toContain('not switching: no terminal to ask and no --yes given');
		expect(demo.current('alpha')).toBeNull();
		expect(demo.generations('alpha')).toEqual([1]);
		// The staged generation can be switched later without rebuilding.
		const later = await demo.run('deploy', '--phases', 'switch,validate', '--yes');
		expect(later.exitCode).toBe(0);
		expect(demo.current('alpha')).toBe(1);
	});

	it('refuses a host whose disk is too small in preflight', async () => {
		const demo = await fleet(['alpha'], { hostToml: { alpha: 'min_free_mb = 999999999' } });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/✗ alpha +failed — disk full: .* free under .*, need .*min_free_mb = 999999999/);
		expect(demo.generations('alpha')).toEqual([]);
		expect(existsSync(path.join(demo.root('alpha'), '.lock'))).toBe(false);
	});

	it('names the valid hosts for an unknown --host and runs nothing', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		const result = await demo.run('deploy', '--host', 'charlie', '--yes');
		expect(result.exitCode).toBe(2);
		expect(result.stderr).toContain('unknown host "charlie"; hosts in');
		expect(result.stderr).toContain('alpha, bravo');
		expect(demo.generations('alpha')).toEqual([]);
	});

	it('records every run: events and one log per host', async () => {
		const demo = await fleet(['alpha']);
		await demo.run('deploy', '--yes');
		const runs = await demo.run('runs');
		expect(runs.stdout).toMatch(/deploy +\S+ +✓ 1 ok +alpha/);
		const runDir = /Run recorded in (\S+)/.exec((await demo.run('deploy', '--yes')).stdout)![1]!;
		const events = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
		expect(events[0].type).toBe('run-started');
		expect(events.at(-1).type).toBe('run-finished');
		expect(readFileSync(path.join(runDir, 'hosts', 'alpha.log'), 'utf8')).toContain('demo service started');
		expect(readFileSync(path.join(runDir, 'build.log'), 'utf8')).toContain('built ');
	});
});
