import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Fleet } from '../fleet/fleet.js';
import { fleetHostsToml } from '../fleet/hosts-toml.js';
import { freePort } from '../fleet/free-port.js';
import { cli, repo } from './local-fleet.js';

export interface SshDeployFleet {
	readonly config: string;
	readonly ports: readonly number[];
	/** Runs the built CLI against the fleet's hosts.toml and ssh_config, with no terminal. */
	run(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
	current(host: string): number | null;
	switchesLog(host: string): string[][];
}

/** hosts.toml for an sshd test fleet: the demo app, services on free ports, roots in the fleet dir. */
export async function sshDeployFleet(fleet: Fleet, options: { extra?: string; hostExtra?: Record<string, string>; sshConfig?: string } = {}): Promise<SshDeployFleet> {
	const ports: number[] = [];
	while (ports.length < fleet.hosts.length) ports.push(await freePort());
	let toml = fleetHostsToml(fleet, { buildCommand: `node ${path.join(repo, 'demo', 'build.mjs')} dist`, artifact: 'dist', servicePorts: ports, extra: options.extra });
	toml = toml.replace('retries = 20\ninterval = 0.25', 'retries = 30\ninterval = 0.1');
	const sections = toml.split('[[host]]\n');
	toml = sections
		.map((section) => {
			const host = /^name = "([^"]+)"/.exec(section)?.[1];
			const extra = host === undefined ? undefined : options.hostExtra?.[host];
			if (extra === undefined) return section;
			// A host's own lines (health, root, env…) give way to the keys `extra` sets.
			const keys = [...extra.matchAll(/^([a-z_]+) = /gm)].map((match) => match[1]!);
			const kept = keys.reduce((text, key) => text.replace(new RegExp(`^${key} = .*\\n`, 'm'), ''), section);
			return kept.replace(/^(name = .*\n)/, `$1${extra}\n`);
		})
		.join('[[host]]\n');
	const config = path.join(fleet.dir, 'hosts.toml');
	writeFileSync(config, toml);
	const rootOf = (name: string) => fleet.host(name).root;
	return {
		config,
		ports,
		async run(...args) {
			const result = await execa('node', [cli, ...args, '--config', config, '--ssh-config', options.sshConfig ?? fleet.sshConfigFile], {
				reject: false,
				stdin: 'ignore',
				cwd: fleet.dir,
				env: { NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: fleet.dir },
			});
			return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
		},
		current(host) {
			try {
				return Number(readlinkSafe(path.join(rootOf(host), 'current')).replace('generations/', ''));
			} catch {
				return null;
			}
		},
		switchesLog(host) {
			try {
				return readFileSync(path.join(rootOf(host), 'switches.log'), 'utf8').trim().split('\n').map((line) => line.split('\t'));
			} catch {
				return [];
			}
		},
	};
}

function readlinkSafe(link: string): string {
	return readlinkSync(link);
}

/** Stops the demo services a fleet's hosts started (they outlive their SSH sessions on purpose). */
export async function stopFleetServices(fleet: Fleet): Promise<void> {
	const roots = new Set(fleet.hosts.map((host) => path.dirname(host.root)));
	await Promise.all([...roots].map((dir) => execa('node', [path.join(repo, 'demo', 'stop-services.mjs'), dir], { reject: false })));
}
