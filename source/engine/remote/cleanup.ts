import { layout } from './layout.js';
import { script } from './quote.js';

/** Which generations to delete: all but the newest `keep`, never `current` or `previous`. */
export function generationsToPrune(ids: readonly number[], keep: number, current: number | null, previous: number | null): number[] {
	const newestFirst = [...ids].sort((a, b) => b - a);
	const kept = new Set([...newestFirst.slice(0, keep), current, previous]);
	return newestFirst.filter((id) => !kept.has(id)).sort((a, b) => a - b);
}

export function pruneGenerations(root: string, ids: readonly number[]): string {
	const paths = layout(root);
	return ids.length === 0 ? 'true' : script(`rm -rf ${ids.map((id) => paths.generation(id)).join(' ')}`);
}
