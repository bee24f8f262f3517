import type { Fleet } from './fleet.js';

export interface FleetHostsTomlOptions {
	/** Default: the demo app's build, relative to a hosts file at the repository root. */
	readonly buildCommand?: string;
	readonly artifact?: string;
	/** Host i serves the demo app on port servicePorts[i] (the hosts share this machine). Default 7201 + i. */
	readonly servicePorts?: readonly number[];
	/** Extra TOML appended after the hosts. */
	readonly extra?: string;
}

/**
 * A hosts.toml for a fleet: the demo app and services of the repository's hosts.toml, each
 * host reached over SSH by its alias (pass the fleet's ssh_config as --ssh-config /
 * SshOptions.configFile) with its root in the fleet directory.
 */
export function fleetHostsToml(fleet: Fleet, options: FleetHostsTomlOptions = {}): string {
	const portOf = (index: number) => options.servicePorts?.[index] ?? 7201 + index;
	const hosts = fleet.hosts.map((host, index) =>
		[
			'[[host]]',
			`name = "${host.name}"`,
			`ssh = "${host.name}"`,
			`root = "${host.root}"`,
			`tags = ["ssh", "${index === 0 ? 'canary' : 'fleet'}"]`,
			`env = { PORT = "${portOf(index)}" }`,
			`health = { http = ["http://127.0.0.1:${portOf(index)}/health"] }`,
			'',
		].join('\n'),
	);
	return [
		'[app]',
		'name = "demo"',
		'keep = 3',
		'',
		'[build]',
		`command = ${JSON.stringify(options.buildCommand ?? 'node demo/build.mjs')}`,
		`artifact = ${JSON.stringify(options.artifact ?? 'demo/dist')}`,
		'',
		'[defaults]',
		`jobs = ${Math.min(fleet.hosts.length, 8)}`,
		'services = ["demo"]',
		'restart = "sh {current}/bin/service.sh restart {root}"',
		'logs = "tail -n 50 -f {root}/shared/logs/service.log"',
		'shared = ["data", "logs", "run"]',
		'after_switch = ["cat version.txt"]',
		'',
		'[health]',
		'expect = "{version}"',
		'timeout = 2',
		'retries = 20',
		'interval = 0.25',
		'',
		...hosts,
		options.extra ?? '',
	].join('\n');
}
