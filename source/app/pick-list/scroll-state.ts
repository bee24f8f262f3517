import type { Action } from '../keymap.js';

/** First line shown so that the focus line is inside a window of `windowRows` lines: from `previousTop`, scrolled only as far as needed. */
export function scrolledTop(previousTop: number, focusRow: number, windowRows: number, totalRows: number): number {
	let top = previousTop;
	if (focusRow < top) top = focusRow;
	if (focusRow >= top + windowRows) top = focusRow - windowRows + 1;
	return Math.max(0, Math.min(top, Math.max(0, totalRows - windowRows)));
}

/** A scrolling view's first line after moving `by` lines (±Infinity: to an end), kept within 0…max. */
export const scrollReducer = (top: number, action: { readonly by: number; readonly max: number }): number => Math.max(0, Math.min(action.max, top + action.by));

/**
 * How many lines a scrolling key moves a view whose page is `page` lines: ↑↓ one, PgUp PgDn a
 * page, Home End to an end. Undefined for an action that does not scroll.
 */
export function scrollStep(action: Action | undefined, page: number): number | undefined {
	switch (action) {
		case 'scroll-up':
			return -1;
		case 'scroll-down':
			return 1;
		case 'page-up':
			return -page;
		case 'page-down':
			return page;
		case 'top':
			return -Infinity;
		case 'bottom':
			return Infinity;
		default:
			return undefined;
	}
}
