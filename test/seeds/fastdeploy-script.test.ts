import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';
import { canCreateUsers, createUser, removeUser, type OsUser } from '../support/os-user.js';
import { reachableTempDir } from '../support/reachable-dir.js';

/**
 * A FastDeploy-style deploy script: reads --config <json>, reports steps as JSON lines, exit
 * code decides. It notes where its config was and with which mode, so the test can check both.
 */
const deployScript = (failAt?: string) => `#!/bin/sh
set -eu
[ "$1" = --config ] || { echo "usage: deploy.sh --config FILE" >&2; exit 2; }
config=$2
echo "$config $(stat -c %a "$config") $(stat -c %U "$config") $(id -un) $(cat "$config" | wc -c) \${SECRET_TOKEN:-no-env}" >> "$(dirname "$0")/configs.seen"
service=$(sed -n 's/.*"service":"\\([^"]*\\)".*/\\1/p' "$config")
release=$(sed -n 's/.*"release":"\\([^"]*\\)".*/\\1/p' "$config")
echo "token: \${SECRET_TOKEN:-none}"
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

async function scriptFleet(failAt?: string, extra = '', toml = '', base?: string) {
	const fleet = await createLocalFleet(['macmini'], {
		build: 'true',
		toml,
		...(base === undefined ? {} : { base }),
		hostToml: { macmini: `strategy = "script"\nservices = ["myservice"]\nscript = "SERVICES/{service}/deploy.sh"\nhealth = { command = "true" }\n${extra}` },
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
		// The failed run is a failed generation, and a failed run, wherever it is listed.
		const listed = await fleet.run('generations');
		expect(listed.stdout).toMatch(/^ {2}2 .* ✗ failed deploy script\s*$/m);
		expect(listed.stdout).toMatch(/^\* 1 .* ✓ live +\(current\)$/m);
		const runs = (await fleet.run('runs')).stdout.trim().split('\n').filter((line) => line.includes(' deploy '));
		expect(runs[0]).toMatch(/ ✗ 1 failed /);
	});

	it('shows the steps config.json declares as pending from the start, then ticks them off', async () => {
		const { fleet, services } = await scriptFleet('ansible');
		writeFileSync(
			path.join(services, 'config.json'),
			JSON.stringify({ name: 'myservice', description: 'Service description', deploy_script: 'deploy.sh', steps: [{ name: 'prepare' }, { name: 'bootstrap' }, { name: 'ansible' }, { name: 'verify' }] }, null, 2),
		);
		const result = await fleet.run('deploy', '--yes');
		const lines = result.stdout.split('\n');
		const pending = lines.filter((line) => /^\[macmini\] · /.test(line));
		expect(pending).toEqual(['[macmini] · prepare', '[macmini] · bootstrap', '[macmini] · ansible', '[macmini] · verify']);
		// Declared before anything ran: the preflight lists them, the script reports them later.
		expect(lines.findIndex((line) => line === '[macmini] · verify')).toBeLessThan(lines.findIndex((line) => line.startsWith('[macmini] ▸ prepare')));
		expect(lines.findIndex((line) => line === '[macmini] · verify')).toBeLessThan(lines.findIndex((line) => line.startsWith('[macmini] ✓ preflight')));
		expect(result.stdout).toContain('[macmini] ✗ ansible — ansible broke');
		const json = await fleet.run('deploy', '--yes', '--json');
		const steps = json.stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((event) => event.type === 'step');
		expect(steps.map((event) => `${event.name}:${event.state}`)).toEqual([
			'prepare:pending', 'bootstrap:pending', 'ansible:pending', 'verify:pending',
			'prepare:running', 'prepare:success', 'bootstrap:running', 'bootstrap:success', 'ansible:running', 'ansible:failure',
		]);
		// The dry run says which steps the script will report.
		expect((await fleet.run('deploy', '--dry-run')).stdout).toContain('[macmini] steps declared: prepare, bootstrap, ansible, verify');
	});

	describe.runIf(canCreateUsers())('as another user', () => {
		let deployUser: OsUser | undefined;
		let base: string | undefined;
		afterAll(() => {
			removeUser(deployUser);
			if (base) rmSync(base, { recursive: true, force: true });
		});

		it('runs the deploy script as run_as, its config file readable by that user alone', async () => {
			deployUser = createUser('sy-deploy');
			// Where the deploy user can reach its root, whatever the checkout's parent is (#24.3).
			base = reachableTempDir('fastdeploy-');
			const { fleet, services } = await scriptFleet(undefined, `run_as = "${deployUser.name}"`, '[env]\nSECRET_TOKEN = { value = "tok-123", secret = true }\n', base);
			// The deploy user must reach its script and may write beside it, as FastDeploy's runner dir.
			chmodSync(fleet.dir, 0o755);
			chmodSync(services, 0o1777);
			const result = await fleet.run('deploy', '--yes');
			expect(result.exitCode, result.stdout + result.stderr).toBe(0);
			const [configPath, mode, owner, ranAs, bytes, token] = readFileSync(path.join(services, 'configs.seen'), 'utf8').trim().split(' ');
			expect({ mode, owner, ranAs }).toEqual({ mode: '600', owner: deployUser.name, ranAs: deployUser.name });
			expect(Number(bytes)).toBeGreaterThan(50);
			// The generation's env reached the script (its .env is the deploy user's, 0600), masked in the output.
			expect(token).toBe('tok-123');
			expect(result.stdout).toContain('[macmini] token: ••••••');
			expect(result.stdout).not.toContain('tok-123');
			const env = path.join(fleet.root('macmini'), 'generations', '1', '.env');
			expect([statSync(env).uid, statSync(env).mode & 0o777]).toEqual([deployUser.uid, 0o600]);
			expect(existsSync(configPath!)).toBe(false);
			expect(fleet.current('macmini')).toBe(1);
		});
	});

	it('keeps a history of runs: generations list and run records', async () => {
		const { fleet } = await scriptFleet();
		await fleet.run('deploy', '--yes');
		await fleet.run('deploy', '--yes');
		const listed = await fleet.run('generations');
		// Newest first, as the console lists them.
		expect(listed.stdout).toMatch(/\* 2 .*\(current\)\n {2}1 /);
		const runs = await fleet.run('runs');
		expect(runs.stdout.trim().split('\n').filter((line) => line.includes(' deploy '))).toHaveLength(2);
	});
});
