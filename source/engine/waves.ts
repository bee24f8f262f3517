import type { WaveConfig } from '../config/types.js';

/**
 * Splits the hosts to switch into waves: the canary hosts first (alone), then batches of
 * `batch` hosts (a count or a percentage of all of them); no batch = everything else at once.
 */
export function planWaves<T>(hosts: readonly T[], config: WaveConfig): T[][] {
	const canary = Math.min(config.canary, hosts.length);
	const waves: T[][] = canary > 0 ? [hosts.slice(0, canary)] : [];
	const rest = hosts.slice(canary);
	const size = batchSize(config.batch, hosts.length) ?? rest.length;
	for (let start = 0; start < rest.length; start += size) waves.push(rest.slice(start, start + size));
	return waves;
}

function batchSize(batch: number | string | undefined, total: number): number | undefined {
	if (batch === undefined) return undefined;
	if (typeof batch === 'number') return Math.max(1, batch);
	return Math.max(1, Math.ceil((total * Number(batch.replace('%', ''))) / 100));
}

/** Why the remaining waves stop, or undefined to go on. */
export function stopReason(config: WaveConfig, wave: number, failures: number, failedNames: readonly string[]): string | undefined {
	if (config.maxFailures !== undefined && failures >= config.maxFailures) {
		return `${failures} failure${failures > 1 ? 's' : ''} reached max failures (${config.maxFailures})`;
	}
	if (wave === 0 && config.canary > 0 && failures > 0) return `canary ${failedNames.join(', ')} failed`;
	return undefined;
}
