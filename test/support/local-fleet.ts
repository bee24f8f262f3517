import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll } from 'vitest';
import { freePort } from '../fleet/free-port.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(repo, 'dist', 'cli.js');

export interface LocalFleetHost {
	readonly name: string;
	readonly port: number;
	/** Extra TOML lines for this host's block. */
	readonly extra?: string;
}

export interface LocalFleet {
	readonly dir: string;
	readonly config: string;
	readonly hosts: readonly LocalFleetHost[];
	root(host: string): string;
	current(host: string): number | null;
	generations(host: string): number[];
	switchesLog(host: string): string[][];
	health(host: string): Promise<string>;
	/** Runs the built CLI against this fleet, with no terminal. */
	run(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
	stop(): Promise<void>;
}

/**
 * A demo fleet of local hosts in its own temp dir: the real demo app, built by the real build
 * script, served on free ports, checked over HTTP. `options.toml` adds top-level TOML.
 */
export async function createLocalFleet(names: readonly string[], options: { toml?: string; hostToml?: Record<string, string>; keep?: number; build?: string; services?: boolean; base?: string } = {}): Promise<LocalFleet> {
	// `base`: where the fleet's dir is made (test/support/reachable-dir.ts for hosts a second account uses).
	const base = options.base ?? path.join(repo, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const dir = mkdtempSync(path.join(base, 'fleet-'));
	const hosts: LocalFleetHost[] = [];
	for (const name of names) hosts.push({ name, port: options.services === false ? 0 : await freePort(), extra: options.hostToml?.[name] });
	const config = path.join(dir, 'hosts.toml');
	writeFileSync(
		config,
		[
			`[app]\nname = "demo"\nkeep = ${options.keep ?? 5}\n`,
			`[build]\ncommand = ${JSON.stringify(options.build ?? `node ${path.join(repo, 'demo', 'build.mjs')} dist`)}\nartifact = "dist"\n`,
			// Without services (a big fleet of cheap hosts) every host needs a `health =` of its own (a command).
			`[defaults]\nroot = "hosts/{host}"\n${options.services === false ? '' : 'services = ["demo"]\nrestart = "sh {current}/bin/service.sh restart {root}"\n'}shared = ["data", "logs", "run"]\n`,
			'[health]\nexpect = "{version}"\ntimeout = 2\nretries = 15\ninterval = 0.1\n',
			options.toml ?? '',
			...hosts.map(
				(host) =>
					`[[host]]\nname = "${host.name}"\nlocal = true\nenv = { PORT = "${host.port}" }\n${host.extra?.includes('health =') ? '' : `health = { http = ["http://127.0.0.1:${host.port}/health"] }\n`}${host.extra ?? ''}\n`,
			),
		].join('\n'),
	);
	const root = (host: string) => path.join(dir, 'hosts', host);
	return {
		dir,
		config,
		hosts,
		root,
		current(host) {
			const link = path.join(root(host), 'current');
			if (!existsSync(link)) return null;
			return Number(readlinkSync(link).replace('generations/', ''));
		},
		generations(host) {
			const generations = path.join(root(host), 'generations');
			if (!existsSync(generations)) return [];
			return readdirNumbers(generations);
		},
		switchesLog(host) {
			const file = path.join(root(host), 'switches.log');
			return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split('\t')) : [];
		},
		async health(host) {
			const port = hosts.find((entry) => entry.name === host)!.port;
			const response = await fetch(`http://127.0.0.1:${port}/health`);
			return response.text();
		},
		async run(...args) {
			const result = await execa('node', [cli, ...args, '--config', config], { reject: false, stdin: 'ignore', cwd: dir, env: { NO_COLOR: '1' } });
			return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
		},
		async stop() {
			await execa('node', [path.join(repo, 'demo', 'stop-services.mjs'), path.join(dir, 'hosts')], { reject: false });
		},
	};
}

function readdirNumbers(dir: string): number[] {
	return readdirSync(dir)
		.filter((name) => /^\d+$/.test(name))
		.map(Number)
		.sort((a, b) => a - b);
}

/**
 * Fleets made by a test file, stopped (their demo services ended) after the file's tests:
 * `const fleet = trackedFleets();` then `await fleet(['alpha'])`.
 */
export function trackedFleets(): (...args: Parameters<typeof createLocalFleet>) => Promise<LocalFleet> {
	const fleets: LocalFleet[] = [];
	afterAll(async () => {
		await Promise.all(fleets.map((fleet) => fleet.stop()));
	});
	return async (...args) => {
		const fleet = await createLocalFleet(...args);
		fleets.push(fleet);
		return fleet;
	};
}
