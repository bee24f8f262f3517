import { useLayoutEffect, useRef } from 'react';

/**
 * Where the hosts are scrolled to: the first table line or tile row on screen. One for the grid
 * and the table, so switching between them keeps the place; kept by the hosts pane rather than
 * the store, as nothing else reads it. The paging keys move it; the pane renders the window that
 * keeps the focus in view from there (`gridWindowFrom`, `tableWindow`), and once that is on
 * screen the scroll is where it shows (`useScrolledTo`), so the next move scrolls only as far as
 * it must.
 */
export interface HostsScroll {
	top: number;
}

/** The hosts pane's scroll, the same object for as long as the pane is mounted. */
export function useHostsScroll(): HostsScroll {
	return useRef<HostsScroll>({ top: 0 }).current;
}

/** Once a render has shown the hosts from `top`, the scroll is there: set after the commit, never while rendering. Undefined: no host shown, the scroll stays. */
export function useScrolledTo(scroll: HostsScroll, top: number | undefined): void {
	useLayoutEffect(() => {
		if (top !== undefined) scroll.top = top;
	});
}
