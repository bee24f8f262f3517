import type { CanaryChoice, WaveConfig } from '../../config/types.js';
import { describeBatch, describeCanary, describeMaxFailures } from '../../engine/outcome/words.js';

/** The wave settings the phase picker changes, one row each. */
export const waveSettings = ['canary', 'batch', 'maxFailures'] as const;
export type WaveSetting = (typeof waveSettings)[number];

type WaveValue<S extends WaveSetting> = WaveConfig[S];

interface WaveRow<S extends WaveSetting> {
	readonly label: string;
	readonly note: string;
	/** Offered values, in the order ←/→ step through them. */
	readonly values: (tags: readonly string[]) => readonly WaveValue<S>[];
	readonly describe: (value: WaveValue<S>) => string;
}

const rows: { readonly [S in WaveSetting]: WaveRow<S> } = {
	canary: {
		label: 'canary',
		note: 'switch and validate first; a failed canary stops the rest',
		values: (tags) => [0, 1, 2, ...tags.map((tag): CanaryChoice => [`@${tag}`])],
		describe: describeCanary,
	},
	batch: {
		label: 'batch',
		note: 'then this many at a time',
		values: () => [undefined, 1, 2, 5, 10, '10%', '25%', '50%'],
		describe: describeBatch,
	},
	maxFailures: {
		label: 'max failures',
		note: 'stop switching once this many hosts failed',
		values: () => [undefined, 1, 2, 3, 5, 10],
		describe: describeMaxFailures,
	},
};

export const waveLabel = (setting: WaveSetting): string => rows[setting].label;
export const waveNote = (setting: WaveSetting): string => rows[setting].note;

/** "@canary", "25% at a time", "no limit": a setting's value in words. */
export function describeWaveValue<S extends WaveSetting>(setting: S, value: WaveValue<S>): string {
	return (rows[setting] as WaveRow<S>).describe(value);
}

/**
 * What a setting may be set to: the usual values and a `@tag` canary per tag of the fleet; the
 * value it has now (from hosts.toml or the command line: `delta, web-01`) first when it is none of them.
 */
export function waveValues<S extends WaveSetting>(setting: S, now: WaveValue<S>, tags: readonly string[]): readonly WaveValue<S>[] {
	const row = rows[setting] as WaveRow<S>;
	const offered = row.values(tags);
	const known = offered.some((value) => row.describe(value) === row.describe(now));
	return known ? offered : [now, ...offered];
}

/** The waves with one setting stepped to its next (`by` 1) or previous (-1) value, wrapping around. */
export function stepWave(waves: WaveConfig, setting: WaveSetting, by: 1 | -1, values: readonly WaveValue<WaveSetting>[]): WaveConfig {
	const describe = (value: WaveValue<WaveSetting>) => describeWaveValue(setting, value as never);
	const at = Math.max(0, values.findIndex((value) => describe(value) === describe(waves[setting])));
	const next = values[(at + by + values.length) % values.length];
	const changed = { ...waves, [setting]: next };
	if (next === undefined) delete changed[setting];
	return changed as WaveConfig;
}

/** "canary @canary · batch 25% at a time · max failures: stop after 2": what differs from switching everything at once. */
export function describeWaves(waves: WaveConfig): string {
	return [
		waves.canary === 0 ? '' : `canary ${describeCanary(waves.canary)}`,
		waves.batch === undefined ? '' : `batch ${describeBatch(waves.batch)}`,
		waves.maxFailures === undefined ? '' : `max failures ${waves.maxFailures}`,
	]
		.filter(Boolean)
		.join(' · ');
}
