import path from 'node:path';
import { quote } from './quote.js';

/** Where things live under a host's root (see README "Remote layout"). All values are quoted. */
export function layout(root: string) {
	const at = (...parts: string[]) => quote(path.posix.join(root, ...parts));
	return {
		root: quote(root),
		current: at('current'),
		generations: at('generations'),
		generation: (id: number) => at('generations', String(id)),
		partial: (id: number) => at('generations', `${id}.partial`),
		shared: at('shared'),
		lock: at('.lock'),
		switchesLog: at('switches.log'),
	};
}

/** A generation's dir as a plain path (for paths joined further, then quoted by the builder that uses them). */
export const generationPath = (root: string, id: number): string => path.posix.join(root, 'generations', String(id));

/** The link target written into `current`: relative, so a root can be moved or mounted elsewhere. */
export const currentTarget = (id: number): string => `generations/${id}`;
