import { scrolledTop } from '../pick-list/scroll-state.js';

export type Direction = 'up' | 'down' | 'left' | 'right';

/** The host focus lands on after a move in a grid `columns` wide (reading order, clamped). */
export function movedFocus(visible: readonly string[], focus: string | null, direction: Direction, columns: number): string | null {
	if (visible.length === 0) return null;
	const index = focus === null ? -1 : visible.indexOf(focus);
	if (index === -1) return visible[0] ?? null;
	const step = { up: -columns, down: columns, left: -1, right: 1 }[direction];
	let next = index + step;
	if (direction === 'down' && next >= visible.length) {
		// Moving down into a short last row lands on its last tile rather than nowhere.
		const lastRowStart = Math.floor((visible.length - 1) / columns) * columns;
		next = index >= lastRowStart ? index : visible.length - 1;
	}
	next = Math.max(0, Math.min(visible.length - 1, next));
	return visible[next] ?? null;
}

export interface GridWindow {
	/** Tile rows shown, each a list of host names. */
	readonly rows: readonly (readonly string[])[];
	readonly top: number;
	readonly totalRows: number;
}

export function gridWindow(visible: readonly string[], columns: number, top: number, windowRows: number): GridWindow {
	const totalRows = Math.ceil(visible.length / columns);
	const rows: string[][] = [];
	for (let row = top; row < Math.min(totalRows, top + windowRows); row += 1) rows.push(visible.slice(row * columns, (row + 1) * columns));
	return { rows, top, totalRows };
}

/** The tile rows on screen: from the tile row `previousTop`, scrolled as far as the focus needs. */
export function gridWindowFrom(visible: readonly string[], focus: string | null, columns: number, windowRows: number, previousTop: number): GridWindow {
	const index = focus === null ? 0 : Math.max(0, visible.indexOf(focus));
	const totalRows = Math.ceil(visible.length / columns);
	return gridWindow(visible, columns, scrolledTop(Math.max(0, previousTop), Math.floor(index / columns), windowRows, totalRows), windowRows);
}
