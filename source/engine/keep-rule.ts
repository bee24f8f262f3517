import type { GenerationStatus } from './events.js';
import { isPending, wentLive } from './host-state.js';

export interface KeepCandidate {
	readonly id: number;
	readonly status: GenerationStatus;
}

/**
 * Which generations cleanup deletes. Never the current one, the last known-good one (the newest
 * other generation that went live: where a rollback goes) or one staged for a later switch (the
 * newest staged or declined one newer than current). Of the rest, the newest that went live are
 * kept up to `keep` in all; generations that never went live (staged, declined, failed, reverted)
 * only fill what room is left, so a run of failed deploys can never push out a good generation.
 */
export function generationsToPrune(generations: readonly KeepCandidate[], keep: number, current: number | null): number[] {
	const newestFirst = [...generations].sort((a, b) => b.id - a.id);
	const lastKnownGood = newestFirst.find((generation) => generation.id !== current && generation.status === 'live') ?? newestFirst.find((generation) => generation.id !== current && wentLive(generation.status));
	const pending = newestFirst.find((generation) => isPending(generation, current));
	const kept = new Set([current, lastKnownGood?.id, pending?.id].filter((id): id is number => id !== null && id !== undefined));
	const room = () => keep - [...kept].filter((id) => id !== pending?.id).length;
	for (const generation of newestFirst) if (wentLive(generation.status) && room() > 0) kept.add(generation.id);
	for (const generation of newestFirst) if (!wentLive(generation.status) && room() > 0) kept.add(generation.id);
	return newestFirst.filter((generation) => !kept.has(generation.id)).map((generation) => generation.id).sort((a, b) => a - b);
}
