import { endingRules } from '../../engine/outcome/endings.js';
import { marks } from '../../engine/outcome/marks.js';
import { statusMarks } from '../../engine/outcome/words.js';
import { groupOf } from '../../store/host-order.js';
import { activityOf, elapsedOf, type HostView } from '../../store/host-view.js';
import { generationText, phaseMarkSegments, lockSegment, reasonSegment, spreadSegments, type Segment, type TileLine } from '../host-grid/use-host-tile-state.js';
import { scrolledTop } from '../pick-list/scroll-state.js';
import { formatElapsed, padEnd } from '../text-fit.js';
import { endingTone, spinnerFrames, symbols, tone } from '../theme.js';

/** One line of the table: a group heading or a host. */
export type TableLine = { readonly kind: 'group'; readonly tag: string } | { readonly kind: 'host'; readonly name: string };

/** Hosts in display order with a heading before each group (when grouped). */
export function tableLines(ordered: readonly string[], hosts: Readonly<Record<string, Pick<HostView, 'tags'>>>, group: number): TableLine[] {
	if (group === 0) return ordered.map((name) => ({ kind: 'host', name }));
	const lines: TableLine[] = [];
	let current: string | null = null;
	for (const name of ordered) {
		const tag = groupOf(hosts[name] ?? { tags: [] }, group);
		if (tag !== current) {
			lines.push({ kind: 'group', tag });
			current = tag;
		}
		lines.push({ kind: 'host', name });
	}
	return lines;
}

/** Widths of the table's columns for a terminal width; tags go first when it is narrow. */
export interface TableColumns {
	readonly name: number;
	readonly tags: number;
	readonly generation: number;
	readonly phases: number;
	readonly elapsed: number;
	readonly last: number;
}

const fixed = { marks: 2, state: 1, generation: 7, phases: 17, elapsed: 6 };

export function tableColumns(width: number, longestName: number, longestTags: number): TableColumns {
	const name = Math.max(6, Math.min(24, longestName));
	const base = fixed.marks + 1 + fixed.state + 1 + name + 1 + fixed.generation + 1 + fixed.phases + 1 + fixed.elapsed + 1;
	const tagsWanted = Math.min(18, longestTags);
	// Tags only when the last-line column keeps at least 24 characters.
	const tags = tagsWanted > 0 && width - base - (tagsWanted + 1) >= 24 ? tagsWanted : 0;
	const last = Math.max(0, width - base - (tags > 0 ? tags + 1 : 0));
	return { name, tags, generation: fixed.generation, phases: fixed.phases, elapsed: fixed.elapsed, last };
}

/** The column titles, aligned with `rowSegments`. */
export function headingText(columns: TableColumns): string {
	return [
		'     ',
		padEnd('host', columns.name),
		' ',
		columns.tags > 0 ? `${padEnd('tags', columns.tags)} ` : '',
		padEnd('gen', columns.generation),
		' ',
		padEnd('phases', columns.phases),
		' ',
		'  time',
		' ',
		'last line',
	].join('');
}

/** The host's state in one mark: its outcome, the spinner while worked on, a dim ◐ while staged and waiting, `·` while queued. */
export function stateMark(host: HostView, spinner: string): Segment {
	if (host.ending) return { text: endingRules[host.ending].mark, color: endingTone(host.ending), bold: true };
	switch (activityOf(host)) {
		case 'running':
			return { text: spinner, color: tone('running') };
		case 'waiting':
			return host.target !== null ? { text: marks.staged, color: tone('muted') } : { text: statusMarks.pending, color: tone('muted') };
		case 'queued':
			return { text: statusMarks.pending, color: tone('muted') };
		default:
			return { text: ' ' };
	}
}

export interface RowInput {
	readonly host: HostView;
	readonly focused: boolean;
	readonly selected: boolean;
	readonly columns: TableColumns;
	readonly width: number;
	readonly now: number;
	readonly tick: number;
}

/** One host as a table row, exactly `width` wide. */
export function rowSegments({ host, focused, selected, columns, width, now, tick }: RowInput): TileLine {
	const spinner = spinnerFrames[tick % spinnerFrames.length] ?? '*';
	const marks = phaseMarkSegments(host, spinner);
	const phaseLength = marks.reduce((sum, segment) => sum + segment.text.length, 0);
	const worked = elapsedOf(host, now);
	const elapsed = worked === null ? '' : formatElapsed(worked);
	const last: Segment = reasonSegment(host) ?? lockSegment(host) ?? { text: host.lastLine ? `› ${host.lastLine}` : '', dim: true };
	const left: Segment[] = [
		{ text: focused ? symbols.focus : ' ', color: tone('accent'), bold: true },
		{ text: selected ? symbols.selected : symbols.unselected, color: selected ? tone('accent') : tone('muted') },
		{ text: ' ' },
		stateMark(host, spinner),
		{ text: ' ' },
		{ text: padEnd(host.name, columns.name), bold: focused },
		{ text: host.tailing ? symbols.service : ' ', color: tone('service') },
		...(columns.tags > 0 ? [{ text: padEnd(host.tags.map((tag) => `@${tag}`).join(' '), columns.tags), dim: true }, { text: ' ' }] : []),
		{ text: padEnd(generationText(host), columns.generation), color: host.target !== null ? tone('accent') : undefined },
		{ text: ' ' },
		...(marks.length > 0 ? marks : [{ text: host.progress === 'idle' ? 'idle' : '', dim: true }]),
		{ text: ' '.repeat(Math.max(0, columns.phases - (marks.length > 0 ? phaseLength : host.progress === 'idle' ? 4 : 0))) },
		{ text: ' ' },
		{ text: elapsed.padStart(columns.elapsed), dim: activityOf(host) !== 'running' },
		{ text: ' ' },
		last,
	];
	return spreadSegments(left, [], width);
}

/** Hosts on the lines before `top` and from `end` on: the "more" counts. */
export function hostsOutside(lines: readonly TableLine[], top: number, end: number): { above: number; below: number } {
	let above = 0;
	let below = 0;
	lines.forEach((line, index) => {
		if (line.kind !== 'host') return;
		if (index < top) above += 1;
		else if (index >= end) below += 1;
	});
	return { above, below };
}

export interface TableWindow {
	readonly shown: readonly TableLine[];
	readonly above: number;
	readonly below: number;
	/** Lines of the window (hosts area minus the column titles), the "more" line included. */
	readonly rows: number;
}

/**
 * The lines on screen: all when they fit; else a window that keeps the focused host in view,
 * with the last line kept for "N more ↓". The first line shown is kept between renders (scrolling
 * only as far as needed), so the rows don't jump while hosts change places.
 */
export function tableWindow(lines: readonly TableLine[], focus: string | null, previousTop: number, rows: number): TableWindow & { top: number } {
	if (lines.length <= rows) return { shown: lines, above: 0, below: 0, rows, top: 0 };
	const room = Math.max(1, rows - 1);
	const focusLine = Math.max(0, lines.findIndex((line) => line.kind === 'host' && line.name === focus));
	// The heading of the focused host's group comes along when there is room for it.
	const wanted = focusLine > 0 && lines[focusLine - 1]?.kind === 'group' && focusLine - 1 < previousTop ? focusLine - 1 : focusLine;
	const top = scrolledTop(Math.min(previousTop, wanted), focusLine, room, lines.length);
	const { above, below } = hostsOutside(lines, top, top + room);
	return { shown: lines.slice(top, top + room), above, below, rows, top };
}
