import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';

const fleets: LocalFleet[] = [];
afterAll(async () => Promise.all(fleets.map((fleet) => fleet.stop())));

describe('tako: releases, shared dirs, .env with the build version, cleanup, partial success', () => {
	it('deploys in parallel with partial success, keeps shared dirs, writes the version, cleans old releases', async () => {
		const fleet = await createLocalFleet(['eu-1', 'eu-2', 'us-1'], { keep: 2, hostToml: { 'us-1': 'root = "/sys/switchyard-unwritable/us-1"' } });
		fleets.push(fleet);
		const first = await fleet.run('deploy', '--yes', '--jobs', '3');
		expect(first.exitCode).toBe(1);
		expect(first.stdout).toContain('Summary: ✗ 1 failed · ✓ 2 ok (3 hosts)');

		// Something the app wrote into a shared dir survives the next releases.
		writeFileSync(path.join(fleet.root('eu-1'), 'shared', 'logs', 'app.log'), 'written by release 1\n');
		for (let run = 0; run < 3; run += 1) await fleet.run('deploy', '--yes', '--host', 'eu-1', '--host', 'eu-2');

		const current = path.join(fleet.root('eu-1'), 'current');
		expect(readlinkSync(path.join(current, 'logs'))).toBe('../../shared/logs');
		expect(readFileSync(path.join(current, 'logs', 'app.log'), 'utf8')).toContain('written by release 1');
		const env = readFileSync(path.join(current, '.env'), 'utf8');
		const release = JSON.parse(readFileSync(path.join(current, '.switchyard', 'generation.json'), 'utf8')).release;
		expect(env).toContain(`SWITCHYARD_RELEASE="${release}"`);
		expect(env).toMatch(/PORT="\d+"/);
		// keep = 2: the newest two remain, older releases are gone.
		expect(fleet.generations('eu-1')).toEqual([3, 4]);
		expect(fleet.generations('eu-2')).toEqual([3, 4]);
	});
});
