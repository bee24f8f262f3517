import { useSyncReducer } from '../use-sync-reducer.js';
import type { GenerationInfo } from '../../engine/events.js';
import type { RollbackTarget } from '../../engine/requests.js';
import { formatBytes } from '../../engine/format-bytes.js';

/** Newest first: the generation you most likely want is near the top. */
export function newestFirst(list: readonly GenerationInfo[]): GenerationInfo[] {
	return [...list].sort((a, b) => b.id - a.id);
}

export function generationRow(generation: GenerationInfo): string {
	const created = generation.created.replace('T', ' ').slice(0, 16);
	return `${generation.current ? '●' : ' '} ${String(generation.id).padStart(3)}  ${created}  ${generation.release}  ${generation.by}  ${formatBytes(generation.bytes)}${generation.current ? '  (current)' : ''}`;
}

export interface RollbackPlan {
	readonly hosts: readonly string[];
	readonly target: RollbackTarget;
	readonly question: string;
}

/**
 * What `r` on a highlighted generation means: one host → that generation number; several
 * selected hosts → the generation's release, since numbers differ from host to host.
 */
export function rollbackPlan(host: string, generation: GenerationInfo, selected: readonly string[]): RollbackPlan {
	if (selected.length > 1) {
		const names = selected.length > 4 ? `${selected.slice(0, 4).join(', ')}, …` : selected.join(', ');
		return { hosts: selected, target: { release: generation.release }, question: `Roll back ${selected.length} selected hosts (${names}) to release ${generation.release}?` };
	}
	return { hosts: [host], target: { generation: generation.id }, question: `Roll back ${host} to generation ${generation.id} (release ${generation.release})?` };
}

/** Index into the newest-first list; null follows the current generation (where the list opens). */
export type Highlight = number | null;

export type HighlightAction = { readonly type: 'move'; readonly by: number; readonly list: readonly GenerationInfo[] };

export function resolveHighlight(highlight: Highlight, list: readonly GenerationInfo[]): number {
	if (list.length === 0) return 0;
	const index = highlight ?? list.findIndex((generation) => generation.current);
	return Math.max(0, Math.min(list.length - 1, index));
}

export function highlightReducer(highlight: Highlight, action: HighlightAction): Highlight {
	if (action.list.length === 0) return highlight;
	return Math.max(0, Math.min(action.list.length - 1, resolveHighlight(highlight, action.list) + action.by));
}

/**
 * The highlight is resolved against the list at the moment of use, never set from an effect:
 * keys can arrive before React has run effects for a list that just loaded.
 */
export function useGenerationListState() {
	return useSyncReducer(highlightReducer, null as Highlight);
}
