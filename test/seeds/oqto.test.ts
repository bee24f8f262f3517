import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cli, createLocalFleet, repo, type LocalFleet } from '../support/local-fleet.js';
import { oqtoSeedBlock } from './fixtures/oqto-seed.js';

const fleets: LocalFleet[] = [];
afterAll(async () => Promise.all(fleets.map((fleet) => fleet.stop())));

/** Oqto's artifact: backend binaries and a frontend whose asset names change every build. */
const buildScript = `set -e
rm -rf out && mkdir -p out/bin out/frontend/assets
for binary in oqto oqto-runner oqto-files; do printf '#!/bin/sh\\necho %s %s\\n' "$binary" "$SWITCHYARD_RELEASE" > out/bin/$binary; done
hash=$(echo "$SWITCHYARD_RELEASE" | sha256sum | cut -c1-8)
echo "<script src=assets/app-$hash.js></script>" > out/frontend/index.html
echo "console.log('$SWITCHYARD_RELEASE')" > out/frontend/assets/app-$hash.js
`;

async function oqtoFleet() {
	const fleet = await createLocalFleet(['archvm', 'octo-azure'], {
		build: 'sh build.sh',
		hostToml: Object.fromEntries(
			['archvm', 'octo-azure'].map((name) => [
				name,
				[
					`mode = "${name === 'archvm' ? 'local' : 'multi-user'}"`,
					'user = "root"',
					'frontend = true',
					`web_root = "www/${name}"`,
					'binaries = ["oqto", "oqto-runner", "oqto-files"]',
					`bin_prefix = "usr-local-bin/${name}"`,
					'services = ["oqto", "oqto-runner"]',
					`restart = "echo restarted {service} >> {root}/../../${name}-restarts.log"`,
					'runners = ["oqto-runner"]',
					'health = { command = "true" }',
				].join('\n'),
			]),
		),
	});
	fleets.push(fleet);
	writeFileSync(path.join(fleet.dir, 'build.sh'), buildScript);
	writeFileSync(fleet.config, readFileSync(fleet.config, 'utf8').replace('artifact = "dist"', 'artifact = "out"').replace('shared = ["data", "logs", "run"]', 'shared = []'));
	const installed = (host: string, binary: string) => readFileSync(path.join(fleet.dir, 'usr-local-bin', host, binary), 'utf8');
	const webRoot = (host: string) => readdirSync(path.join(fleet.dir, 'www', host), { recursive: true }).map(String).sort();
	const generationFrontend = (host: string, id: number) => readdirSync(path.join(fleet.root(host), 'generations', String(id), 'frontend'), { recursive: true }).map(String).sort();
	const restarts = (host: string) => (existsSync(path.join(fleet.dir, `${host}-restarts.log`)) ? readFileSync(path.join(fleet.dir, `${host}-restarts.log`), 'utf8').trim().split('\n') : []);
	const release = (host: string, id: number) => JSON.parse(readFileSync(path.join(fleet.root(host), 'generations', String(id), '.switchyard', 'generation.json'), 'utf8')).release as string;
	return { fleet, installed, webRoot, generationFrontend, restarts, release };
}

describe('Oqto: binaries, frontend and services, local and multi-user', () => {
	it('installs binaries and frontend of the generation after deploy and after rollback', async () => {
		const oqto = await oqtoFleet();
		expect((await oqto.fleet.run('deploy', '--yes')).exitCode).toBe(0);
		expect((await oqto.fleet.run('deploy', '--yes')).exitCode).toBe(0);
		for (const host of ['archvm', 'octo-azure']) {
			expect(oqto.installed(host, 'oqto')).toContain(`oqto ${oqto.release(host, 2)}`);
			expect(oqto.installed(host, 'oqto-files')).toContain(`oqto-files ${oqto.release(host, 2)}`);
			// Old assets removed first: web_root holds exactly generation 2's frontend.
			expect(oqto.webRoot(host)).toEqual(oqto.generationFrontend(host, 2));
			expect(oqto.restarts(host)).toEqual(['restarted oqto', 'restarted oqto-runner', 'restarted oqto', 'restarted oqto-runner']);
		}
		expect((await oqto.fleet.run('rollback', '--to', '1', '--host', 'archvm', '--yes')).exitCode).toBe(0);
		expect(oqto.installed('archvm', 'oqto')).toContain(`oqto ${oqto.release('archvm', 1)}`);
		expect(oqto.webRoot('archvm')).toEqual(oqto.generationFrontend('archvm', 1));
		expect(oqto.installed('octo-azure', 'oqto')).toContain(`oqto ${oqto.release('octo-azure', 2)}`);
	});

	it('honours --skip-frontend, --skip-backend and --skip-services exactly', async () => {
		const oqto = await oqtoFleet();
		expect((await oqto.fleet.run('deploy', '--yes')).exitCode).toBe(0);
		expect((await oqto.fleet.run('deploy', '--yes', '--skip-frontend', '--host', 'archvm')).exitCode).toBe(0);
		expect(oqto.webRoot('archvm')).toEqual(oqto.generationFrontend('archvm', 1));
		expect(oqto.installed('archvm', 'oqto')).toContain(oqto.release('archvm', 2));

		expect((await oqto.fleet.run('deploy', '--yes', '--skip-backend', '--host', 'archvm')).exitCode).toBe(0);
		expect(oqto.installed('archvm', 'oqto')).toContain(oqto.release('archvm', 2));
		expect(oqto.webRoot('archvm')).toEqual(oqto.generationFrontend('archvm', 3));

		const before = oqto.restarts('archvm').length;
		expect((await oqto.fleet.run('deploy', '--yes', '--skip-services', '--host', 'archvm')).exitCode).toBe(0);
		expect(oqto.restarts('archvm')).toHaveLength(before);
		expect(oqto.installed('archvm', 'oqto')).toContain(oqto.release('archvm', 4));
		// --host kept the other host untouched all along.
		expect(oqto.fleet.current('octo-azure')).toBe(1);
	});

	it('ends the per-user runners in multi-user mode so they respawn', async () => {
		const oqto = await oqtoFleet();
		// A process named oqto-runner, as a user's runner would be.
		const runnerBinary = path.join(oqto.fleet.dir, 'oqto-runner');
		copyFileSync('/bin/sleep', runnerBinary);
		const runner = spawn(runnerBinary, ['300'], { stdio: 'ignore', detached: true });
		const exited = new Promise((resolve) => runner.on('exit', (code, signal) => resolve(signal)));
		expect((await oqto.fleet.run('deploy', '--yes', '--host', 'octo-azure')).exitCode).toBe(0);
		expect(await exited).toBe('SIGTERM');
	});

	it('a deploy/hosts.toml without [app] name and root deploys to /opt/<project>, and the dry run says so', async () => {
		const project = mkdtempSync(path.join(repo, 'test', '.tmp', 'oqto-'));
		mkdirSync(path.join(project, 'oqto', 'deploy'), { recursive: true });
		const config = path.join(project, 'oqto', 'deploy', 'hosts.toml');
		// The seed's block as written, but for a user this machine has.
		writeFileSync(config, oqtoSeedBlock().replace('user = "wismut"', 'user = "root"'));
		const result = await execa('node', [cli, 'deploy', '--dry-run', '--config', config], { reject: false, stdin: 'ignore', cwd: path.dirname(config), env: { NO_COLOR: '1' } });
		expect(result.exitCode, String(result.stdout)).toBe(0);
		expect(result.stdout).toContain('[archvm] root /opt/oqto: no root set, so /opt/<app> with app "oqto", named after the project\'s directory (set root = "…" to choose)');
		expect(result.stdout).toMatch(/\[archvm\] binaries → \/usr\/local\/bin \(root-owned, installed as root\): oqto \(no artifact to compare; (not installed yet|installed: .*)\)/);
		expect(existsSync('/opt/oqto')).toBe(false);
	});

	it('changes nothing with --dry-run and shows the diff', async () => {
		const oqto = await oqtoFleet();
		const result = await oqto.fleet.run('deploy', '--dry-run');
		expect(result.exitCode).toBe(0);
		expect(result.stdout).toMatch(/\[archvm\] diff against generation \(none\): \+5 ~0 -0/);
		expect(oqto.fleet.generations('archvm')).toEqual([]);
		expect(existsSync(path.join(oqto.fleet.dir, 'usr-local-bin'))).toBe(false);
	});
});
