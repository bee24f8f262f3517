import type { Config } from '../../config/types.js';

/** One line of the environment picker: an environment, or every host at once. */
export interface EnvironmentChoice {
	/** The environment's name; undefined: every host, whatever its environment. */
	readonly name?: string;
	readonly label: string;
	readonly production: boolean;
}

/**
 * What the picker offers: each environment with its hosts, then all hosts. Production
 * environments say so in words (their colour alone would be lost without colour).
 */
export function environmentChoices(config: Config): EnvironmentChoice[] {
	const environments = Object.values(config.environments ?? {}).filter((environment) => environment.hosts.length > 0);
	const width = Math.max(0, ...environments.map((environment) => environment.name.length));
	const count = (hosts: number) => `${hosts} host${hosts === 1 ? '' : 's'}`;
	return [
		...environments.map((environment) => ({
			name: environment.name,
			production: environment.production,
			label: ` ${environment.name.padEnd(width)}  ${count(environment.hosts.length).padEnd(9)}${environment.production ? '  PRODUCTION' : ''}  ${environment.hosts.slice(0, 6).join(', ')}${environment.hosts.length > 6 ? ', …' : ''}`,
		})),
		{ label: ` all environments  ${count(config.hosts.length)}`, production: environments.some((environment) => environment.production) },
	];
}

/**
 * The environment the console's hosts are in: its name when they share one, `undefined` when the
 * config has none or the hosts span several (then `mixed`).
 */
export function consoleEnvironment(config: Config): { readonly name: string; readonly production: boolean } | { readonly mixed: true; readonly production: boolean } | undefined {
	const environments = config.environments ?? {};
	if (Object.keys(environments).length === 0) return undefined;
	const names = [...new Set(config.hosts.map((host) => host.environment))];
	const production = names.some((name) => name !== undefined && environments[name]?.production === true);
	if (names.length === 1 && names[0] !== undefined) return { name: names[0], production };
	return { mixed: true, production };
}
