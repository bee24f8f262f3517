import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../../source/engine/outcome/exit-code.js';
import { trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

describe('switchyard check', () => {
	it('prints one table row per host: reachable, current, release, lock, disk, health; then what is wrong', async () => {
		const demo = await fleet(['alpha', 'bravo', 'charlie']);
		expect((await demo.run('deploy', '--yes', '--host', 'alpha', '--host', 'bravo')).exitCode).toBe(0);
		const release = (await demo.run('generations', '--json', '--host', 'alpha')).stdout.match(/"release":"([^"]+)"/)![1]!;
		// bravo is locked by someone on another machine; bravo's service is stopped, so its health fails.
		mkdirSync(path.join(demo.root('bravo'), '.lock'));
		writeFileSync(path.join(demo.root('bravo'), '.lock', 'owner.json'), JSON.stringify({ operator: 'ann@laptop', machine: 'laptop', pid: 4242, runId: 'r-ann', startedAt: new Date().toISOString() }));
		writeFileSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'), '');
		await demo.stop();

		const result = await demo.run('check');
		expect(result.exitCode).toBe(exitCodes.failed);
		const lines = result.stdout.split('\n');
		expect(lines[0]).toMatch(/^HOST +REACHABLE +CURRENT +RELEASE +LOCK +DISK FREE +HEALTH$/);
		expect(lines[1]).toMatch(new RegExp(`^alpha +✓ +gen 1 +${release} +– +[\\d.]+ [KMGT]?B +✗$`));
		expect(lines[2]).toMatch(new RegExp(`^bravo +✓ +gen 1 +${release} +ann@laptop +[\\d.]+ [KMGT]?B +✗$`));
		expect(lines[3]).toMatch(/^charlie +✓ +∅ +– +[\d.]+ [KMGT]?B +–$/);
		expect(result.stdout).toMatch(/^✗ alpha: GET http:\/\/127\.0\.0\.1:\d+\/health: ECONNREFUSED/m);
		expect(result.stdout).toMatch(/^ {2}bravo lock: locked by ann@laptop \(pid 4242, run r-ann\) since .*, 0 min ago$/m);
		expect(result.stdout).toMatch(/^✗ charlie: nothing deployed yet \(no current generation\)$/m);
		expect(result.stdout).toMatch(/^check: ✗ 3 failed \(3 hosts\)$/m);
		// Not the long log of every phase any more.
		expect(result.stdout).not.toContain('▸ preflight');
	});
});

describe('switchyard generations', () => {
	it('lists the newest first, as the console does', async () => {
		const demo = await fleet(['alpha']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		expect((await demo.run('deploy', '--yes', '--skip-build')).exitCode).toBe(0);
		const result = await demo.run('generations');
		const rows = result.stdout.split('\n').filter((line) => /^[* ] \d+ /.test(line));
		expect(rows.map((row) => Number(row.slice(2).trim().split(' ')[0]))).toEqual([2, 1]);
		expect(rows[0]).toMatch(/^\* 2 .*\(current\)$/);
	});
});
