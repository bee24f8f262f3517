import { useSyncReducer } from '../use-sync-reducer.js';
import type { GenerationInfo } from '../../engine/events.js';
import type { RollbackTarget } from '../../engine/requests.js';
import { formatBytes } from '../../engine/format-bytes.js';
import { generationStatusText } from '../../engine/outcome/words.js';
import { padEnd } from '../text-fit.js';
import { symbols } from '../theme.js';

/** Newest first: the generation you most likely want is near the top. */
export function newestFirst(list: readonly GenerationInfo[]): GenerationInfo[] {
	return [...list].sort((a, b) => b.id - a.id);
}

interface GenerationColumns {
	readonly status: number;
	readonly release: number;
	readonly by: number;
}

/** "✓ live (current)": the status, and whether `current` points here. */
const statusText = (generation: GenerationInfo): string => `${generationStatusText(generation)}${generation.current ? ' (current)' : ''}`;

function columnsOf(list: readonly GenerationInfo[]): GenerationColumns {
	const widest = (texts: readonly string[], title: string) => Math.max(title.length, ...texts.map((text) => [...text].length));
	return { status: widest(list.map(statusText), 'status'), release: widest(list.map((each) => each.release), 'release'), by: widest(list.map((each) => each.by), 'by') };
}

/** The rows of a list and the heading above them, in the same columns (so they line up). */
export function generationTable(list: readonly GenerationInfo[]): { readonly heading: string; readonly rows: readonly string[] } {
	const columns = columnsOf(list);
	const row = (mark: string, id: string, status: string, created: string, release: string, by: string, size: string) =>
		`${mark} ${id.padStart(3)}  ${padEnd(status, columns.status)}  ${padEnd(created, 16)}  ${padEnd(release, columns.release)}  ${padEnd(by, columns.by)}  ${size}`;
	return {
		// One column more on the left than the rows: the list's highlight mark.
		heading: ` ${row(' ', 'id', 'status', 'created', 'release', 'by', 'size')}`,
		rows: list.map((generation) =>
			row(
				generation.current ? symbols.current : ' ',
				String(generation.id),
				statusText(generation),
				generation.created.replace('T', ' ').slice(0, 16),
				generation.release,
				generation.by,
				formatBytes(generation.bytes),
			),
		),
	};
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
