import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { processesWith } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';

const fleet = trackedFleets();

/**
 * tako's `tako.toml` environments, here: staging and production hosts in one config, values and
 * secrets per environment, the secrets fetched on this machine at deploy time (a command, or the
 * operator's environment), and `TAKO_BUILD = "{release}"` in every generation's `.env`.
 */
const environments = (secretCommand: string) => `
[env]
TAKO_BUILD = "{release}"
TAKO_GENERATION = "gen-{generation}-on-{host}"

[environments.staging]
env = { API_URL = "https://staging.example.com", DB_PASSWORD = { command = ${JSON.stringify(secretCommand)} } }
after_switch = ["grep DB_PASSWORD .env"]

[environments.production]
env = { API_URL = "https://example.com", DB_PASSWORD = { from_env = "SHOP_DB_PASSWORD" } }
`;

async function takoFleet(secretCommand = "echo fetched >> fetches.log; printf 's3cr3t-staging\\n'") {
	const demo = await fleet(['stage-1', 'stage-2', 'web-1'], {
		toml: environments(secretCommand),
		hostToml: { 'stage-1': 'environment = "staging"', 'stage-2': 'environment = "staging"', 'web-1': 'environment = "production"' },
	});
	// The demo service's log, as `tako logs` shows it.
	writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('[defaults]\n', '[defaults]\nlogs = "tail -n 0 -f {root}/shared/logs/service.log"\n'));
	return demo;
}

async function run(demo: LocalFleet, args: string[], env: Record<string, string> = {}) {
	const result = await execa('node', [cli, ...args, '--config', demo.config], { reject: false, stdin: 'ignore', cwd: demo.dir, env: { NO_COLOR: '1', ...env } });
	return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

const envFile = (demo: LocalFleet, host: string) => readFileSync(path.join(demo.root(host), 'current', '.env'), 'utf8');
const recorded = (demo: LocalFleet) => {
	const runs = path.join(demo.dir, '.switchyard', 'runs');
	return readdirSync(runs, { recursive: true }).map(String).filter((file) => file.endsWith('.jsonl') || file.endsWith('.log')).map((file) => readFileSync(path.join(runs, file), 'utf8')).join('\n');
};

describe('tako: environments and secrets that are not in hosts.toml', () => {
	it('deploys one environment with its values; a secret from a command is fetched once, masked everywhere, and only in .env', async () => {
		const demo = await takoFleet();
		const result = await run(demo, ['deploy', '--env', 'staging', '--yes']);
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect(result.stdout).toContain('Summary: ✓ 2 ok (2 hosts)');
		expect(demo.generations('web-1')).toEqual([]);
		const release = /^── deploy (\S+) →/m.exec(result.stdout)![1]!;
		for (const host of ['stage-1', 'stage-2']) {
			const env = envFile(demo, host);
			expect(env).toContain(`TAKO_BUILD="${release}"`);
			expect(env).toContain(`TAKO_GENERATION="gen-1-on-${host}"`);
			expect(env).toContain('API_URL="https://staging.example.com"');
			expect(env).toContain('DB_PASSWORD="s3cr3t-staging"');
			expect(statSync(path.join(demo.root(host), 'current', '.env')).mode & 0o777).toBe(0o600);
		}
		// Once per run, however many hosts need it.
		expect(readFileSync(path.join(demo.dir, 'fetches.log'), 'utf8').trim().split('\n')).toEqual(['fetched']);
		// The hook printed the line: masked on screen and in the record, as every form of it.
		expect(result.stdout).toContain('[stage-1] DB_PASSWORD="••••••"');
		expect(result.stdout).not.toContain('s3cr3t-staging');
		expect(recorded(demo)).not.toContain('s3cr3t-staging');
		expect(recorded(demo)).toContain('DB_PASSWORD=\\"••••••\\"');
	});

	it('fails the preflight of every host missing a secret, by name, before any of them is touched', async () => {
		const demo = await takoFleet();
		const missing = await run(demo, ['deploy', '--env', 'production', '--yes']);
		expect(missing.exitCode).toBe(1);
		expect(missing.stdout).toMatch(/\[web-1\] ✗ preflight .*: missing secret: DB_PASSWORD \(\$SHOP_DB_PASSWORD is not set in this environment\) — nothing was touched/);
		expect(missing.stdout).not.toContain('[build] ▸ build');
		expect(existsSync(demo.root('web-1'))).toBe(false);

		const broken = await takoFleet('echo "pass: shop/db is not in the password store" >&2; exit 1');
		const failed = await run(broken, ['deploy', '--yes']);
		expect(failed.exitCode).toBe(1);
		for (const host of ['stage-1', 'stage-2']) {
			expect(failed.stdout).toMatch(new RegExp(`✗ ${host} +failed — missing secret: DB_PASSWORD \\(\`.*\` exited 1: pass: shop/db is not in the password store\\)`));
			expect(existsSync(broken.root(host))).toBe(false);
		}
		// The host with all it needs (from the operator's environment) deploys in the same run.
		expect(failed.stdout).toMatch(/✗ web-1 +failed — missing secret: DB_PASSWORD \(\$SHOP_DB_PASSWORD is not set/);
		const mixed = await run(broken, ['deploy', '--yes'], { SHOP_DB_PASSWORD: 'pr0d-pw' });
		expect(mixed.stdout).toContain('[web-1] ✓ ok');
		expect(envFile(broken, 'web-1')).toContain('DB_PASSWORD="pr0d-pw"');
		expect(mixed.stdout).not.toContain('pr0d-pw');
	});

	it('--env on every command: generations, check, runs, logs; an unknown environment is refused', async () => {
		const demo = await takoFleet();
		expect((await run(demo, ['deploy', '--yes'], { SHOP_DB_PASSWORD: 'pr0d-pw' })).exitCode).toBe(0);
		expect((await run(demo, ['deploy', '--env', 'production', '--yes'], { SHOP_DB_PASSWORD: 'pr0d-pw' })).exitCode).toBe(0);

		const generations = await run(demo, ['generations', '--env', 'staging']);
		expect(generations.stdout).toMatch(/^stage-1:$/m);
		expect(generations.stdout).toMatch(/^stage-2:$/m);
		expect(generations.stdout).not.toMatch(/^web-1:$/m);
		const check = await run(demo, ['check', '--env', 'production']);
		expect(check.exitCode).toBe(0);
		expect(check.stdout).toMatch(/^web-1 +✓ +gen 2 +\S+ .*✓$/m);
		expect(check.stdout).not.toContain('stage-1');
		const runs = (await run(demo, ['runs', '--env', 'staging'])).stdout.trim().split('\n').filter((line) => line.includes(' deploy '));
		expect(runs).toHaveLength(1);
		expect(runs[0]).toContain('stage-1, stage-2, web-1');

		// tako logs / journalctl: the last lines of each chosen host's service log, prefixed per host.
		const last = await run(demo, ['logs', '--env', 'staging', '-n', '1']);
		expect(last.exitCode, last.stderr).toBe(0);
		expect(last.stdout.trim().split('\n').map((line) => line.split(' ')[0]).sort()).toEqual(['[stage-1]', '[stage-2]']);
		const logs = await run(demo, ['logs', '--env', 'staging', '-n', '1000']);
		expect(logs.stdout).toMatch(/^\[stage-1\] \S+ stage-1 serving \S+ \(generation 1\) on :\d+$/m);
		expect(logs.stdout).toMatch(/^\[stage-2\] \S+ stage-2 serving \S+ \(generation 1\) on :\d+$/m);
		expect(logs.stdout).not.toContain('[web-1]');

		const unknown = await run(demo, ['deploy', '--env', 'prod', '--yes']);
		expect(unknown.exitCode).toBe(2);
		expect(unknown.stderr).toMatch(/unknown environment "prod"; environments in \S+: staging, production/);
	});

	it('switchyard logs -f follows the service logs until Ctrl-C', async () => {
		const demo = await takoFleet();
		expect((await run(demo, ['deploy', '--env', 'staging', '--yes'])).exitCode).toBe(0);
		const follow = execa('node', [cli, 'logs', '--env', 'staging', '--host', 'stage-2', '-f', '--config', demo.config], { reject: false, stdin: 'ignore', cwd: demo.dir, env: { NO_COLOR: '1' } });
		let output = '';
		follow.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const port = demo.hosts.find((host) => host.name === 'stage-2')!.port;
		await waitFor(async () => {
			await fetch(`http://127.0.0.1:${port}/health`);
			return /\[stage-2\] \S+ GET \/health 200/.test(output);
		}, 'a request to show in the followed service log');
		// The lookup below sees the tail while it runs (so its absence later means something).
		expect(processesWith(`tail -n 0 -f ${demo.root('stage-2')}`).length).toBeGreaterThan(0);
		follow.kill('SIGINT');
		const ended = await follow;
		expect(ended.exitCode).toBe(0);
		expect(output).not.toContain('[stage-1]');
		// Nothing is left tailing on the host.
		await waitFor(() => processesWith(`tail -n 0 -f ${demo.root('stage-2')}`).length === 0, 'the tail to end on the host');
	});
});
