/** The highlight after a move: clamped, or wrapping around like ink-select-input does. */
export function movedHighlight(index: number, by: number, count: number, wrap = false): number {
	if (count <= 0) return 0;
	if (wrap) return (((index + by) % count) + count) % count;
	return Math.max(0, Math.min(count - 1, index + by));
}

/** A list's highlight as a reducer: moved by `by` among `count` items, clamped. */
export const moveReducer = (index: number, action: { readonly by: number; readonly count: number }): number => movedHighlight(index, action.by, action.count);

/** `up`/`k` move back, `down`/`j` forward (the keymap's pick-move keys). */
export function pickDirection(keyName: string): -1 | 1 {
	return keyName === 'up' || keyName === 'k' ? -1 : 1;
}

/** The slice of a list on screen: the highlight kept in view, centred when the list scrolls. */
export function pickWindow(count: number, index: number, rows: number): { readonly first: number; readonly rows: number } {
	const room = Math.max(1, rows);
	if (count <= room) return { first: 0, rows: count };
	const first = Math.max(0, Math.min(count - room, index - Math.floor(room / 2)));
	return { first, rows: room };
}
