import { useEffect } from 'react';
import { useSyncReducer } from '../use-sync-reducer.js';
import type { GenerationInfo } from '../../engine/events.js';
import type { RollbackTarget } from '../../engine/requests.js';
import { formatBytes } from '../text-fit.js';

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

type HighlightAction = { readonly type: 'move'; readonly by: number; readonly count: number } | { readonly type: 'set'; readonly index: number };

export function highlightReducer(index: number, action: HighlightAction): number {
	if (action.type === 'set') return action.index;
	return Math.max(0, Math.min(action.count - 1, index + action.by));
}

/** The highlighted row; starts on the current generation once the list arrives. */
export function useGenerationListState(list: readonly GenerationInfo[]) {
	const [index, dispatch, current] = useSyncReducer(highlightReducer, 0);
	const currentIndex = list.findIndex((generation) => generation.current);
	useEffect(() => {
		dispatch({ type: 'set', index: Math.max(0, currentIndex) });
	}, [list.length, currentIndex, dispatch]);
	const move = (by: number): void => dispatch({ type: 'move', by, count: list.length });
	return { index: Math.min(index, Math.max(0, list.length - 1)), move, current };
}
