import type { HostConfig } from '../config/types.js';
import type { EngineEvent, GenerationInfo } from './events.js';
import type { ScriptResult } from './host-session.js';
import type { HostState } from './host-state.js';
import { digestedListing, lastListing, readListingDigest } from './remote/listing-digest.js';
import type { Strategy } from './strategies/strategy.js';

/** A host with its strategy, as a run resolved it. */
interface Listable {
	readonly host: HostConfig;
	readonly strategy: Strategy;
}

/** The host's generations and `current`, with the host's digest of the listing (see `digestedListing`). */
export const listingScript = ({ host, strategy }: Listable): string => digestedListing(strategy.list(host));

/** What `listingScript` printed (its last run, when a script listed twice), as the host's state. */
export function readListing({ strategy }: Listable, result: Pick<ScriptResult, 'markers' | 'blocks'>): HostState {
	const markers = lastListing(result.markers);
	const state = strategy.parseState({ markers, blocks: result.blocks });
	const digest = readListingDigest(markers);
	return digest === undefined ? state : { ...state, digest };
}

/** What a host should list once `current` is `current`, when its read-back did not reach us (no digest). */
export const expectedGenerations = (host: string, generations: readonly GenerationInfo[], current: number | null): EngineEvent => ({
	type: 'generations',
	host,
	current,
	generations: generations.map((generation) => ({ ...generation, current: generation.id === current })),
});

/** The `generations` event of a state read back from the host (its digest travels with it). */
export const generationsEvent = (host: string, state: HostState): EngineEvent => ({
	type: 'generations',
	host,
	current: state.current,
	generations: [...state.generations],
	...(state.digest === undefined ? {} : { digest: state.digest }),
});
