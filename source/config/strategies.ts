import { z } from 'zod';
import { command, name, pathValue } from './values.js';

/*
 * The strategies a host can name in hosts.toml, and the keys that belong to one of them: their
 * form, what a host's settings make of them, and what they must not be. A new strategy is its
 * name (and any keys of its own) here, its file in `engine/strategies/` and its line in
 * `engine/strategies/index.ts`.
 */

export const strategyNames = ['releases', 'nix', 'script'] as const;
export type StrategyName = (typeof strategyNames)[number];

/** Keys a host (or [defaults], or an environment) may set for its strategy. */
export const strategyKeys = {
	strategy: z.enum(strategyNames).optional(),
	/** nix: the profile whose generations are the host's (default the NixOS system profile). */
	profile: pathValue.optional(),
	/** script: the deploy script on the host, run with --config <json>; {service} runs it per service. */
	script: command.optional(),
	/** script: the deploy script runs as this user, its config readable by it alone. */
	run_as: name('a user name').optional(),
};

type RawStrategySettings = z.infer<z.ZodObject<typeof strategyKeys>>;

/** A host's strategy and its settings, resolved. */
export interface StrategySettings {
	readonly strategy: StrategyName;
	/** nix strategy: the profile managed with nix-env. */
	readonly profile: string;
	/** script strategy: the deploy script (FastDeploy-style), template with {service}. */
	readonly script?: string;
	/** script strategy: the deploy script runs as this user. */
	readonly runAs?: string;
}

/** From a host's settings as [defaults], its environment and its own block merge them. */
export function resolveStrategySettings(merged: RawStrategySettings): StrategySettings {
	return {
		strategy: merged.strategy ?? 'releases',
		profile: merged.profile ?? '/nix/var/nix/profiles/system',
		script: merged.script,
		...(merged.run_as === undefined ? {} : { runAs: merged.run_as }),
	};
}

/** A problem with a host's strategy settings: `key` is the one to name, `at` the setting whose line is shown. */
export interface StrategyProblem {
	readonly at: keyof RawStrategySettings;
	readonly key: keyof RawStrategySettings;
	readonly message: string;
}

/** Checked on the merged settings: [defaults] or an environment can set the strategy. */
export function strategyProblems(merged: RawStrategySettings): StrategyProblem[] {
	const strategy = merged.strategy ?? 'releases';
	const problems: StrategyProblem[] = [];
	if (strategy === 'script' && merged.script === undefined) {
		problems.push({ at: 'strategy', key: 'script', message: 'strategy = "script" needs script = "/path/to/deploy.py" (run with --config <file>)' });
	}
	// run_as is how a deploy script runs; no other strategy runs one.
	if (merged.run_as !== undefined && strategy !== 'script') {
		problems.push({ at: 'run_as', key: 'run_as', message: `run_as is for strategy = "script" (the user its deploy script runs as); this host's strategy is "${strategy}" — use user = "…" for the user that owns the deployment` });
	}
	return problems;
}
