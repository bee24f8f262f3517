/**
 * Where everything goes for a terminal size. The frame is kept one row shorter than the
 * terminal: Ink clears and redraws the whole screen once its output reaches the last row.
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
	readonly tileColumns: number;
	readonly tileWidth: number;
	/** Tile rows shown at once; the grid scrolls with the focus beyond that. */
	readonly gridRows: number;
	/** Rows the grid may use (less than its tiles need only on a tiny terminal). */
	readonly gridHeight: number;
	/** Rows of the log pane under the grid (title included); 0 hides it. */
	readonly logRows: number;
}

export function consoleLayout(columns: number, rows: number, hostCount: number): ConsoleLayout {
	const width = Math.max(20, columns);
	const bodyRows = Math.max(3, rows - 1 - headerRows - statusRows);
	const tileColumns = Math.max(1, Math.floor(width / minTileWidth));
	const tileWidth = Math.floor(width / tileColumns);
	const neededRows = Math.max(1, Math.ceil(hostCount / tileColumns));
	const fitRows = Math.floor((bodyRows - minLogRows) / tileHeight);
	const gridRows = Math.max(1, Math.min(neededRows, fitRows));
	const logRows = bodyRows - gridRows * tileHeight;
	return { width, bodyRows, tileColumns, tileWidth, gridRows, gridHeight: Math.min(bodyRows, gridRows * tileHeight), logRows: logRows < 2 ? 0 : logRows };
}
