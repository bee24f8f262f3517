import { layout } from './layout.js';
import { script } from './quote.js';

export function pruneGenerations(root: string, ids: readonly number[]): string {
	const paths = layout(root);
	return ids.length === 0 ? 'true' : script(`rm -rf -- ${ids.map((id) => paths.generation(id)).join(' ')}`);
}
