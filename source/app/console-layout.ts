import type { HostsView } from '../store/ui-slice.js';

/**
 * Where everything goes for a terminal size. The frame is kept one row shorter than the
 * terminal: Ink clears and redraws the whole screen once its output reaches the last row.
 *
 * Tiles while they all fit above a usable log pane; otherwise (or when the operator asks with
 * `T`) the host table, one row per host. Tiles forced on a fleet too big for them scroll with the
 * focus and say how many are off screen.
 */
export const tileHeight = 7;
export const minTileWidth = 26;
export const headerRows = 1;
export const statusRows = 2;
const minLogRows = 5;

export interface ConsoleLayout {
	readonly width: number;
	/** Rows between header and status bar. */
	readonly bodyRows: number;
	readonly hostsView: 'tiles' | 'table';
	readonly tileColumns: number;
	readonly tileWidth: number;
	/** Tile rows shown at once; the grid scrolls with the focus beyond that. */
	readonly gridRows: number;
	/** Rows the hosts take: the tiles (and their "more" line), or the table with its header. */
	readonly hostsHeight: number;
	/** Rows of the log pane under the hosts (title included); 0 hides it. */
	readonly logRows: number;
}

/**
 * `tableLines`: rows the table would need for every host (group headings included); defaults
 * to one per host.
 */
export function consoleLayout(columns: number, rows: number, hostCount: number, mode: HostsView = 'auto', tableLines = hostCount): ConsoleLayout {
	const width = Math.max(20, columns);
	const bodyRows = Math.max(3, rows - 1 - headerRows - statusRows);
	const tileColumns = Math.max(1, Math.floor(width / minTileWidth));
	const tileWidth = Math.floor(width / tileColumns);
	const neededRows = Math.max(1, Math.ceil(hostCount / tileColumns));
	const fitRows = Math.floor((bodyRows - minLogRows) / tileHeight);
	const tilesFit = neededRows <= fitRows;
	const hostsView = mode === 'auto' ? (tilesFit ? 'tiles' : 'table') : mode;

	if (hostsView === 'tiles') {
		// A line under the tiles says how many are off screen, when some are.
		const more = tilesFit ? 0 : 1;
		const gridRows = Math.max(1, Math.min(neededRows, Math.floor((bodyRows - minLogRows - more) / tileHeight)));
		const hostsHeight = Math.min(bodyRows, gridRows * tileHeight + (neededRows > gridRows ? 1 : 0));
		const logRows = bodyRows - hostsHeight;
		return { width, bodyRows, hostsView, tileColumns, tileWidth, gridRows, hostsHeight, logRows: logRows < 2 ? 0 : logRows };
	}
	// The table leaves the log pane about a third of the body, at least its minimum, on terminals
	// big enough for both; on tiny ones it takes everything.
	const logShare = bodyRows >= 12 ? Math.max(minLogRows, Math.floor(bodyRows * 0.3)) : 0;
	const hostsHeight = Math.min(bodyRows - logShare, 1 + Math.max(1, tableLines));
	const logRows = bodyRows - hostsHeight;
	return { width, bodyRows, hostsView, tileColumns, tileWidth, gridRows: 0, hostsHeight, logRows: logRows < 2 ? 0 : logRows };
}
