import { helpSections } from '../keymap.js';
import { padEnd, truncate } from '../text-fit.js';
import { legendSections } from './legend.js';

/** Wide enough for the longest "keys  label" row of the keymap. */
export const helpColumnWidth = 64;

/** The keymap as lines: a heading per "where it applies", then "keys  label" rows. */
export function helpLines(): string[] {
	return helpSections().flatMap((section) => [`[${section.title}]`, ...section.rows.map((row) => `  ${padEnd(row.keys, 12)} ${row.label}`)]);
}

/** What each mark means, after the keys. */
export function legendLines(): string[] {
	return ['', 'Marks', ...legendSections().flatMap((section) => [`[${section.title}]`, ...section.rows.map((row) => `  ${padEnd(row.mark, 6)} ${row.meaning}`)])];
}

/** Lines laid out in as many columns as fit, starting `offset` lines in. */
export function helpColumns(lines: readonly string[], width: number, rows: number, offset: number): string[][] {
	const count = Math.max(1, Math.floor(width / helpColumnWidth));
	const columnWidth = Math.floor(width / count);
	const columns: string[][] = [];
	for (let column = 0; column < count; column += 1) {
		const start = offset + column * rows;
		columns.push(lines.slice(start, start + rows).map((line) => padEnd(truncate(line, columnWidth - 1), columnWidth)));
	}
	return columns;
}

export function maxHelpOffset(lineCount: number, width: number, rows: number): number {
	const count = Math.max(1, Math.floor(width / helpColumnWidth));
	return Math.max(0, lineCount - count * rows);
}
