import leven from 'leven';

/**
 * The words of `known` close enough to `typed` to be what was meant (`deplyo` → deploy,
 * `--canry` → --canary), closest first: at most a third of the word's length apart, and at
 * least one edit allowed. Case is ignored; a word that starts the same way counts as close.
 */
export function closestWords(typed: string, known: readonly string[]): string[] {
	const lower = typed.toLowerCase();
	const allowed = Math.max(1, Math.floor(lower.length / 3));
	return known
		.map((word) => ({ word, distance: lower.length >= 3 && word.toLowerCase().startsWith(lower) ? 0 : leven(lower, word.toLowerCase(), { maxDistance: allowed + 1 }) }))
		.filter(({ distance }) => distance <= allowed)
		.sort((a, b) => a.distance - b.distance)
		.map(({ word }) => word);
}

/** ` (did you mean deploy?)`, or nothing when no word is close. */
export function didYouMean(typed: string, known: readonly string[], quote = (word: string) => word): string {
	const [best] = closestWords(typed, known);
	return best === undefined ? '' : `; did you mean ${quote(best)}?`;
}
