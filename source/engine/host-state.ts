import type { GenerationInfo, GenerationStatus } from './events.js';

/** What a host reported about itself (see `remote/inspect.ts` and `remote/nix.ts`). */
export interface HostState {
	readonly current: number | null;
	readonly generations: readonly GenerationInfo[];
	readonly freeKb?: number;
	/** Manifest of the current generation, path → sha256. */
	readonly manifest: ReadonlyMap<string, string> | null;
	/** Modes of the current generation's files that are not 0644 (null: it recorded none). */
	readonly modes?: ReadonlyMap<string, number> | null;
	/** Nix: a closure staged by an earlier run and not switched to yet (switch later). */
	readonly stagedPath?: { readonly path: string; readonly release: string };
	/** Nix: the closure to deploy is already in the host's store. */
	readonly closurePresent?: boolean;
	/** What would be staged is exactly what runs now (nix: the profile already points at this closure). */
	readonly alreadyLive?: boolean;
	/** The host's digest of the listing this state was read from (`remote/listing-digest.ts`): set only when read back whole. */
	readonly digest?: string;
}

export const nextGenerationId = (state: HostState): number => Math.max(0, ...state.generations.map((generation) => generation.id)) + 1;

/** Went live at some point: a rollback may go there and `keep` counts it. Those from before statuses existed are assumed to have. */
export const wentLive = (status: GenerationStatus): boolean => status === 'live' || status === 'rolled-back-from' || status === 'unknown';

/** Staged earlier and never switched to (staged or declined), newer than current: waiting for a switch. */
export const isPending = (generation: { readonly id: number; readonly status: GenerationStatus }, current: number | null): boolean =>
	(generation.status === 'staged' || generation.status === 'declined') && (current === null || generation.id > current);

/** The generation a switch without an upload goes to: the newest pending one. */
export function pendingGeneration(state: HostState): GenerationInfo | undefined {
	return state.generations.filter((generation) => isPending(generation, state.current)).at(-1);
}

/**
 * A listing as an event carried it (the console's store, a run record) as the state it lists;
 * undefined when it was derived by the engine (no digest: not read back, nothing to guard with).
 */
export function listedState(listing: { readonly current: number | null; readonly generations: readonly GenerationInfo[]; readonly digest?: string }): HostState | undefined {
	if (listing.digest === undefined) return undefined;
	return { current: listing.current, generations: listing.generations, manifest: null, digest: listing.digest };
}
