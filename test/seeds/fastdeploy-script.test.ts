import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';

/**
 * A FastDeploy-style deploy script: reads --config <json>, reports steps as JSON lines, exit
 * code decides. It notes where its config was and with which mode, so the test can check both.
 */
const deployScript = (failAt?: string) => `#!/bin/sh
set -eu
[ "$1" = --config ] || { echo "usage: deploy.sh --config FILE" >&2; exit 2; }
config=$2
echo "$config $(stat -c %a "$config")" >> "$(dirname "$0")/configs.seen"
service=$(sed -n 's/.*"service":"\\([^"]*\\)".*/\\1/p' "$config")
release=$(sed -n 's/.*"release":"\\([^"]*\\)".*/\\1/p' "$config")
step() { printf '{"name": "%s", "state": "%s", "message": "%s"}\\n' "$1" "$2" "$3"; }
for name in prepare bootstrap ansible verify; do
	step "$name" running "$name for $service"
	if [ "$name" = "${failAt ?? 'never'}" ]; then step "$name" failure "$name broke"; echo "traceback: $name" >&2; exit 1; fi
	step "$name" success "$name done ($release)"
done
echo "$release" > "$(dirname "$0")/deployed"
`;

const fleets: LocalFleet[] = [];
afterAll(async () => Promise.all(fleets.map((fleet) => fleet.stop())));

async function scriptFleet(failAt?: string) {
	const fleet = await createLocalFleet(['macmini'], {
		build: 'true',
		hostToml: { macmini: `strategy = "script"\nservices = ["myservice"]\nscript = "SERVICES/{service}/deploy.sh"\nhealth = { command = "true" }` },
	});
	fleets.push(fleet);
	const services = path.join(fleet.dir, 'services', 'myservice');
	mkdirSync(services, { recursive: true });
	writeFileSync(path.join(services, 'deploy.sh'), deployScript(failAt));
	chmodSync(path.join(services, 'deploy.sh'), 0o755);
	const config = readFileSync(fleet.config, 'utf8').replace('SERVICES', path.join(fleet.dir, 'services'));
	// The build here makes no artifact: a script host's generation records the run only.
	writeFileSync(fleet.config, config.replace(/\[build\][^[]*/, ''));
	return { fleet, services };
}

describe('FastDeploy: deploy scripts with JSON steps', () => {
	it('shows the steps live and in order, and records the run as a generation', async () => {
		const { fleet, services } = await scriptFleet();
		const result = await fleet.run('deploy', '--yes');
		expect(result.stderr).toBe('');
		expect(result.exitCode).toBe(0);
		const steps = result.stdout.split('\n').filter((line) => /^\[macmini\] [▸✓✗] (prepare|bootstrap|ansible|verify)\b/.test(line));
		expect(steps).toEqual([
			'[macmini] ▸ prepare — prepare for myservice',
			expect.stringMatching(/^\[macmini\] ✓ prepare — prepare done \(\S+\)$/),
			'[macmini] ▸ bootstrap — bootstrap for myservice',
			expect.stringMatching(/^\[macmini\] ✓ bootstrap — bootstrap done/),
			'[macmini] ▸ ansible — ansible for myservice',
			expect.stringMatching(/^\[macmini\] ✓ ansible — ansible done/),
			'[macmini] ▸ verify — verify for myservice',
			expect.stringMatching(/^\[macmini\] ✓ verify — verify done/),
		]);
		expect(result.stdout).not.toContain('{"name"');
		// The config file was 0640 while the script ran and is gone afterwards.
		const [configPath, mode] = readFileSync(path.join(services, 'configs.seen'), 'utf8').trim().split(' ');
		expect(mode).toBe('640');
		expect(existsSync(configPath!)).toBe(false);
		expect(fleet.current('macmini')).toBe(1);
		expect(readFileSync(path.join(fleet.root('macmini'), 'generations', '1', '.switchyard', 'steps.log'), 'utf8')).toContain('"name": "verify", "state": "success"');

		const json = await fleet.run('deploy', '--yes', '--json');
		const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
		const stepEvents = events.filter((event) => event.type === 'step').map((event) => `${event.name}:${event.state}`);
		expect(stepEvents).toEqual(['prepare:running', 'prepare:success', 'bootstrap:running', 'bootstrap:success', 'ansible:running', 'ansible:success', 'verify:running', 'verify:success']);
		expect(fleet.generations('macmini')).toEqual([1, 2]);
		expect(fleet.current('macmini')).toBe(2);
	});

	it('fails the host when a step fails, and leaves current where it was', async () => {
		const { fleet, services } = await scriptFleet();
		expect((await fleet.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(services, 'deploy.sh'), deployScript('ansible'));
		const result = await fleet.run('deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain('[macmini] ✗ ansible — ansible broke');
		expect(result.stdout).not.toContain('▸ verify');
		expect(result.stdout).toMatch(/✗ macmini +failed — switch to 2: deploy script for myservice exited with 1/);
		expect(fleet.current('macmini')).toBe(1);
		expect(readdirSync(path.join(fleet.root('macmini'), 'generations'))).toEqual(['1', '2']);
	});

	it('keeps a history of runs: generations list and run records', async () => {
		const { fleet } = await scriptFleet();
		await fleet.run('deploy', '--yes');
		await fleet.run('deploy', '--yes');
		const listed = await fleet.run('generations');
		expect(listed.stdout).toMatch(/ {2}1 .*\n\* 2 .*\(current\)/);
		const runs = await fleet.run('runs');
		expect(runs.stdout.trim().split('\n').filter((line) => line.includes(' deploy '))).toHaveLength(2);
	});
});
