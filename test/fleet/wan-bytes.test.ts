import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from '../support/local-fleet.js';
import { sshDeployFleet, stopFleetServices, type SshDeployFleet } from '../support/ssh-fleet-config.js';
import { startFleet, type Fleet } from './fleet.js';
import { requireSshd } from './require-sshd.js';
import type { WanCounters } from './wan-proxy.js';

/**
 * What a re-deploy costs on the wire, counted by the WAN proxy in front of each sshd: after a
 * first deploy of a ~4 MB artifact, deploying it again unchanged sends a listing of the files
 * (manifest, the names of the files to link) and a bounded protocol overhead, and changing one 128 KiB file adds
 * that file and nothing else — never the artifact again.
 */

const blobs = 32;
const blobBytes = 128 * 1024;
/**
 * What a re-deploy may send per file of the artifact even when it is unchanged: its manifest
 * line and its name in the list of files linked from the previous generation.
 */
const perFileAllowance = 1024;
/**
 * And once per deploy: the SSH handshake and authentication (~4 kB a connection), the scripts
 * of every phase, the generation's metadata and .env, the switch and cleanup.
 */
const protocolAllowance = 48 * 1024;

describe.runIf(requireSshd('re-deploy bytes over the WAN fleet'))('bytes a re-deploy sends (WAN proxy counters)', () => {
	let fleet: Fleet;
	let deploy: SshDeployFleet;
	const artifact = () => path.join(fleet.dir, 'dist');
	const blob = (index: number) => path.join(artifact(), 'assets', `blob-${String(index).padStart(2, '0')}.bin`);

	beforeAll(async () => {
		fleet = await startFleet({ hosts: 2, wan: { rttMs: 10 } });
		deploy = await sshDeployFleet(fleet);
		await execa('node', [path.join(repo, 'demo', 'build.mjs'), 'dist'], { cwd: fleet.dir });
		mkdirSync(path.dirname(blob(0)), { recursive: true });
		for (let index = 0; index < blobs; index++) writeFileSync(blob(index), randomBytes(blobBytes));
	});
	afterAll(async () => {
		if (fleet) await stopFleetServices(fleet);
		await fleet?.stop();
	});

	/** Runs a headless deploy of the artifact as it is and returns what crossed the proxy per host. */
	async function deployCounting(): Promise<Record<string, WanCounters>> {
		fleet.wan!.reset();
		const result = await deploy.run('deploy', '--yes', '--skip-build');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		return fleet.wan!.counters();
	}

	it('re-sends only the changed file, the manifest and a fixed overhead', async () => {
		const artifactBytes = blobs * blobBytes;
		const fileCount = (await execa('find', ['.', '-type', 'f'], { cwd: artifact() })).stdout.trim().split('\n').length;
		const allowance = fileCount * perFileAllowance + protocolAllowance;
		// Both allowances together stay below one blob, so one file sent needlessly fails the test.
		expect(allowance).toBeLessThan(blobBytes);
		const first = await deployCounting();
		const unchanged = await deployCounting();
		writeFileSync(blob(7), randomBytes(blobBytes));
		const changed = await deployCounting();

		const report = fleet.hosts
			.map((host) => `${host.name} to host: first ${first[host.name]!.toHost} B, unchanged ${unchanged[host.name]!.toHost} B, one file changed ${changed[host.name]!.toHost} B (${changed[host.name]!.connections} connections)`)
			.join('; ');
		for (const host of fleet.hosts) {
			const current = path.join(host.root, 'current');
			const firstGeneration = path.join(host.root, 'generations', '1');
			// The change arrived; an unchanged file is still the first generation's, hard-linked.
			expect(readFileSync(path.join(current, 'assets', 'blob-07.bin')).equals(readFileSync(blob(7)))).toBe(true);
			expect(statSync(path.join(current, 'assets', 'blob-00.bin')).ino).toBe(statSync(path.join(firstGeneration, 'assets', 'blob-00.bin')).ino);

			// The first deploy really went through the proxy: the whole artifact crossed it.
			expect(first[host.name]!.toHost, report).toBeGreaterThan(artifactBytes);
			// Nothing new: a listing of the files and a fixed overhead.
			expect(unchanged[host.name]!.toHost, report).toBeLessThanOrEqual(allowance);
			// One file new: that file (plus its tar header and padding) on top of that, nothing else.
			expect(changed[host.name]!.toHost, report).toBeLessThanOrEqual(unchanged[host.name]!.toHost + blobBytes + 2048);
		}
		console.log(`wan-bytes: ${report}`);
	});
});
