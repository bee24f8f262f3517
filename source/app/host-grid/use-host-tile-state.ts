import { endingRules } from '../../engine/outcome/endings.js';
import { marks as outcomeMarks } from '../../engine/outcome/marks.js';
import { statusMarks, stepMarks } from '../../engine/outcome/words.js';
import { elapsedOf, isHostBusy, type HostView } from '../../store/host-view.js';
import { formatElapsed } from '../text-fit.js';
import { endingLabels, endingTone, phaseLetters, spinnerFrames, statusTone, symbols, tone } from '../theme.js';

/** A run of text with one style; a tile line is a few of these. */
export interface Segment {
	readonly text: string;
	readonly color?: string;
	readonly bold?: boolean;
	readonly dim?: boolean;
}

export type TileLine = readonly Segment[];

export interface TileInput {
	readonly host: HostView;
	readonly focused: boolean;
	readonly selected: boolean;
	/** Inner width (inside the border). */
	readonly width: number;
	readonly now: number;
	readonly tick: number;
}

const lengthOf = (segments: TileLine): number => segments.reduce((sum, segment) => sum + [...segment.text].length, 0);

/** `left` cut to fit before `right`, with `right` flush to the end of the line. */
export function spreadSegments(left: TileLine, right: TileLine, width: number): TileLine {
	const rightLength = Math.min(lengthOf(right), width);
	let room = Math.max(0, width - rightLength - (rightLength > 0 ? 1 : 0));
	const out: Segment[] = [];
	for (const segment of left) {
		if (room <= 0) break;
		const chars = [...segment.text];
		const fits = chars.length <= room;
		const text = fits ? segment.text : `${chars.slice(0, Math.max(0, room - 1)).join('')}…`;
		out.push({ ...segment, text });
		room -= [...text].length;
	}
	const gap = width - lengthOf(out) - rightLength;
	if (gap > 0) out.push({ text: ' '.repeat(gap) });
	return rightLength > 0 ? [...out, ...right] : out;
}

/** The phase marks of the host's run, letter and mark each (the spinner on the running one): a tile's third line, a table row's phases column. */
export function phaseMarkSegments(host: Pick<HostView, 'phases'>, spinner: string): Segment[] {
	return host.phases.flatMap((mark, index) => [
		...(index > 0 ? [{ text: ' ' }] : []),
		{ text: phaseLetters[mark.phase], dim: true },
		{ text: mark.status === 'running' ? spinner : statusMarks[mark.status], color: statusTone(mark.status), bold: mark.status === 'failed' },
	]);
}

/** "3", "3→4" while a generation is staged or targeted, "3 ◐4" when one staged earlier waits for a switch, ∅ before any, ? while not yet read. */
export function generationText(host: Pick<HostView, 'current' | 'target' | 'pending'>): string {
	const current = host.current === undefined ? '?' : host.current === null ? symbols.none : String(host.current);
	if (host.target !== null) return `${current}${symbols.arrow}${host.target}`;
	return host.pending !== null ? `${current} ${outcomeMarks.staged}${host.pending}` : current;
}

/** Who holds the host's lock, when someone does (a held lock refuses a deploy: worth a line). */
export function lockSegment(host: Pick<HostView, 'lock'>): Segment | null {
	return host.lock ? { text: `${symbols.locked} ${host.lock.reason}`, color: host.lock.stale ? tone('bad') : tone('warn') } : null;
}

/**
 * Why the host did not end ok, marked and coloured as its ending (◐ for a host left staged: no
 * failure; a failure under way: ✗, red); none for a host that ended ok (as the summary words it).
 */
export function reasonSegment(host: Pick<HostView, 'reason' | 'ending'>): Segment | null {
	if (!host.reason || host.ending === 'ok') return null;
	if (!host.ending) return { text: `${outcomeMarks.failed} ${host.reason}`, color: tone('bad') };
	return { text: `${endingRules[host.ending].mark} ${host.reason}`, color: endingTone(host.ending) };
}

/** The five lines of a tile: identity, tags/elapsed, phase marks/outcome, steps or log, reason or log. */
export function tileLines({ host, focused, selected, width, now, tick }: TileInput): TileLine[] {
	const spinner = spinnerFrames[tick % spinnerFrames.length] ?? '*';
	const generation = host.target !== null ? generationText(host) : `gen ${generationText(host)}`;
	const identity = spreadSegments(
		[
			{ text: focused ? symbols.focus : ' ', color: tone('accent'), bold: true },
			{ text: selected ? symbols.selected : symbols.unselected, color: selected ? tone('accent') : tone('muted') },
			{ text: ' ' },
			{ text: host.name, bold: true },
		],
		[
			{ text: host.transport, dim: true },
			{ text: ' ' },
			{ text: generation, color: host.target !== null ? tone('accent') : undefined },
		],
		width,
	);

	const busy = isHostBusy(host);
	const worked = elapsedOf(host, now);
	const elapsed = worked === null ? '' : formatElapsed(worked);
	const tags = host.tags.map((tag) => `@${tag}`).join(' ');
	// Outcome and elapsed share the right of the tags line: the phase line needs its full width
	// for six marks on an 80-column terminal.
	const status: Segment[] = [
		...(host.tailing ? [{ text: `${symbols.service} `, color: tone('service') }] : []),
		...(host.ending ? [{ text: `${endingLabels[host.ending]} `, color: endingTone(host.ending), bold: true }] : []),
		...(elapsed ? [{ text: elapsed, dim: !busy }] : []),
	];
	const tagLine = spreadSegments([{ text: tags || ' ', dim: true }], status, width);

	const marks = phaseMarkSegments(host, spinner);
	const phaseLine = spreadSegments(marks.length > 0 ? marks : [{ text: 'idle', dim: true }], [], width);

	const stepsLine = host.steps.length > 0 ? stepSegments(host, spinner, width) : null;
	const logLine: TileLine = [{ text: host.lastLine ? `› ${host.lastLine}` : ' ', dim: true }];
	const reason = reasonSegment(host) ?? lockSegment(host);
	const reasonLine: TileLine | null = reason ? [reason] : null;
	const fourth = stepsLine ?? logLine;
	const fifth = reasonLine ?? (stepsLine ? logLine : [{ text: ' ' }]);
	return [identity, tagLine, phaseLine, spreadSegments(fourth, [], width), spreadSegments(fifth, [], width)];
}

/** The latest steps that fit, newest last: a live checklist (✓ done, ✗ failed, spinner running). */
function stepSegments(host: HostView, spinner: string, width: number): TileLine {
	const parts = host.steps.map((step): Segment[] => [
		{ text: step.state === 'running' ? spinner : stepMarks[step.state], color: step.state === 'success' ? tone('ok') : step.state === 'failure' ? tone('bad') : step.state === 'pending' ? tone('muted') : tone('running') },
		{ text: ` ${step.name}` },
	]);
	const kept: Segment[][] = [];
	let used = 0;
	for (let index = parts.length - 1; index >= 0; index -= 1) {
		const part = parts[index] ?? [];
		const length = lengthOf(part) + (kept.length > 0 ? 1 : 0);
		if (kept.length > 0 && used + length > width) break;
		kept.unshift(part);
		used += length;
	}
	return kept.flatMap((part, index) => (index > 0 ? [{ text: ' ' }, ...part] : part));
}
