import type { Config, HostConfig } from './types.js';

export class EnvironmentError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'EnvironmentError';
	}
}

/**
 * `--env NAME`: the config narrowed to that environment's hosts (its values are theirs already).
 * An unknown name lists the known ones.
 */
export function selectEnvironment(config: Config, name: string): Config {
	const environments = config.environments ?? {};
	const environment = environments[name];
	if (!environment) {
		const known = Object.keys(environments);
		throw new EnvironmentError(`unknown environment "${name}"; ${known.length > 0 ? `environments in ${config.file}: ${known.join(', ')}` : `${config.file} defines none (add [environments.${name}] and environment = "${name}" to its hosts)`}`);
	}
	if (environment.hosts.length === 0) throw new EnvironmentError(`environment "${name}" has no hosts: give hosts environment = "${name}" in ${config.file}`);
	const hosts: HostConfig[] = config.hosts.filter((host) => host.environment === name);
	return { ...config, hosts };
}
