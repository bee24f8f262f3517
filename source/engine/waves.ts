import { isTag, type WaveMember } from '../config/canary.js';
import type { CanaryChoice, WaveConfig } from '../config/types.js';

/** The hosts to switch, wave by wave, in the order they go. */
export interface WavePlan<T> {
	readonly waves: readonly (readonly T[])[];
	/** The first wave is the canary: it switches and validates alone, and a failure there stops the rest. */
	readonly canary: boolean;
	/** The canary was chosen by name or tag and none of these hosts is one: there is no canary wave. */
	readonly unmatched?: readonly string[];
}

/**
 * Splits the hosts to switch into waves: the canary first (alone), then batches of `batch` hosts
 * (a count, or a percentage of all of them); no batch = everything else at once. The canary is
 * the first N hosts (config order) for a count, else every host named or carrying a named `@tag`.
 */
export function planWaves<T>(hosts: readonly T[], config: WaveConfig, memberOf: (host: T) => WaveMember): WavePlan<T> {
	const isCanary = canaryTest(config.canary, hosts.map(memberOf));
	const picked = hosts.filter((host) => isCanary(memberOf(host)));
	const rest = hosts.filter((host) => !isCanary(memberOf(host)));
	const size = batchSize(config.batch, hosts.length) ?? rest.length;
	const waves: T[][] = picked.length > 0 ? [picked] : [];
	for (let start = 0; start < rest.length; start += size) waves.push(rest.slice(start, start + size));
	const unmatched = typeof config.canary !== 'number' && picked.length === 0 ? { unmatched: config.canary } : {};
	return { waves, canary: picked.length > 0, ...unmatched };
}

/** hosts.toml's waves with what was given on top (a flag left out keeps the config's value). */
export function withOverrides(config: WaveConfig, overrides: Partial<WaveConfig>): WaveConfig {
	return { ...config, ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) };
}

/** The same plan with each host replaced (the engine plans hosts, the question names them). */
export function mapPlan<T, U>(plan: WavePlan<T>, map: (host: T) => U): WavePlan<U> {
	return { ...plan, waves: plan.waves.map((wave) => wave.map(map)) };
}

/** Which hosts the canary choice takes: the first `count` of them, or each one named or tagged. */
function canaryTest(choice: CanaryChoice, hosts: readonly WaveMember[]): (host: WaveMember) => boolean {
	if (typeof choice === 'number') {
		const first = new Set(hosts.slice(0, choice).map((host) => host.name));
		return (host) => first.has(host.name);
	}
	return (host) => choice.some((target) => (isTag(target) ? host.tags.includes(target.slice(1)) : host.name === target));
}


export class CanaryError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'CanaryError';
	}
}

/** `--canary 2`, `--canary @canary`, `--canary delta,web-01`: a count, or names and @tags. */
export function parseCanary(text: string): CanaryChoice {
	if (/^\d+$/.test(text.trim())) return Number(text.trim());
	const targets = text
		.split(',')
		.map((target) => target.trim())
		.filter(Boolean);
	const bad = targets.find((target) => !/^@?[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(target));
	if (targets.length === 0 || bad !== undefined) {
		throw new CanaryError(`--canary takes a number of hosts, @tag or host names (e.g. --canary 1, --canary @canary, --canary web-1,web-2), not ${JSON.stringify(text)}`);
	}
	return targets;
}

function batchSize(batch: number | string | undefined, total: number): number | undefined {
	if (batch === undefined) return undefined;
	if (typeof batch === 'number') return Math.max(1, batch);
	return Math.max(1, Math.ceil((total * Number(batch.replace('%', ''))) / 100));
}

/** Why the remaining waves stop, or undefined to go on. `canaryWave`: the wave that just ended was the canary. */
export function stopReason(config: Pick<WaveConfig, 'maxFailures'>, canaryWave: boolean, failedNames: readonly string[]): string | undefined {
	const failures = failedNames.length;
	if (config.maxFailures !== undefined && failures >= config.maxFailures) {
		return `${failures} failure${failures > 1 ? 's' : ''} reached max failures (${config.maxFailures})`;
	}
	if (canaryWave && failures > 0) return `canary ${failedNames.join(', ')} failed`;
	return undefined;
}
