import { useSyncReducer } from '../use-sync-reducer.js';
import type { LogLine } from '../../store/hot-slice.js';
import type { RingBuffer } from '../../store/ring-buffer.js';

/**
 * Scroll and search state of one log pane. Positions are absolute line numbers (0 = first line
 * ever appended), so a view scrolled back stays put while new lines arrive below it, and the
 * current search match stays the same line.
 */
export interface LogPaneState {
	/** Absolute number of the last line shown; null follows the tail. */
	readonly bottom: number | null;
	/** Search text being typed after `/`; null when not typing. */
	readonly searchDraft: string | null;
	readonly term: string;
	/** The match `n`/`N` walk from: an absolute line number, null before the first jump. */
	readonly match: number | null;
}

export const initialLogPaneState: LogPaneState = { bottom: null, searchDraft: null, term: '', match: null };

/** What the reducer needs to know about the buffer at the time of an action. */
export interface BufferExtent {
	/** Lines ever appended. */
	readonly total: number;
	/** Lines still held (the oldest total - held are gone). */
	readonly held: number;
	/** Rows of lines the pane shows. */
	readonly rows: number;
}

export type LogPaneAction =
	| { readonly type: 'scroll'; readonly by: number; readonly extent: BufferExtent }
	| { readonly type: 'follow' }
	| { readonly type: 'oldest'; readonly extent: BufferExtent }
	| { readonly type: 'jump'; readonly to: number; readonly extent: BufferExtent }
	| { readonly type: 'start-search' }
	| { readonly type: 'edit-search'; readonly text: string }
	| { readonly type: 'cancel-search' }
	| { readonly type: 'accept-search'; readonly match: number | null; readonly extent: BufferExtent };

function clampBottom(bottom: number, extent: BufferExtent): number | null {
	const last = extent.total - 1;
	const firstHeld = extent.total - extent.held;
	const lowest = Math.min(last, firstHeld + extent.rows - 1);
	if (bottom >= last) return null;
	return Math.max(lowest, bottom);
}

export function logPaneReducer(state: LogPaneState, action: LogPaneAction): LogPaneState {
	switch (action.type) {
		case 'scroll': {
			const from = state.bottom ?? action.extent.total - 1;
			return { ...state, bottom: clampBottom(from + action.by, action.extent) };
		}
		case 'follow':
			return { ...state, bottom: null };
		case 'oldest':
			return { ...state, bottom: clampBottom(0, action.extent) };
		case 'jump': {
			// The match in the middle of the pane; near the tail, the last page (held still, so the match stays in view).
			const last = action.extent.total - 1;
			const wanted = Math.min(last, action.to + Math.floor(action.extent.rows / 2));
			const bottom = wanted >= last ? last : (clampBottom(wanted, action.extent) ?? last);
			return { ...state, bottom, match: action.to };
		}
		case 'start-search':
			return { ...state, searchDraft: '' };
		case 'edit-search':
			return { ...state, searchDraft: action.text };
		case 'cancel-search':
			return { ...state, searchDraft: null };
		case 'accept-search': {
			const term = state.searchDraft ?? state.term;
			const next = { ...state, searchDraft: null, term, match: null };
			return action.match === null ? next : logPaneReducer(next, { type: 'jump', to: action.match, extent: action.extent });
		}
	}
}

export function extentOf(buffer: RingBuffer<LogLine>, rows: number): BufferExtent {
	return { total: buffer.total, held: buffer.length, rows };
}

/** The lines to draw, oldest first, with their absolute numbers. */
export function visibleLines(buffer: RingBuffer<LogLine>, state: LogPaneState, rows: number): { readonly number: number; readonly line: LogLine }[] {
	const firstHeld = buffer.total - buffer.length;
	const bottom = Math.min(state.bottom ?? buffer.total - 1, buffer.total - 1);
	const first = Math.max(firstHeld, bottom - rows + 1);
	const out: { number: number; line: LogLine }[] = [];
	for (let number = first; number <= bottom; number += 1) {
		const line = buffer.at(number - firstHeld);
		if (line) out.push({ number, line });
	}
	return out;
}

/** One row of a log pane that wraps: a piece of a line, `at` characters into it. */
export interface WrappedRow {
	readonly number: number;
	readonly line: LogLine;
	/** Where this row starts in the line's text, in characters (0: the line's first row). */
	readonly at: number;
	readonly text: string;
}

/**
 * The rows to draw when long lines wrap (the full-screen log): the lines up to the bottom one,
 * each cut into rows of at most `width` characters (at a space where one is near), the newest `rows` of them. The top line may show
 * only its last rows; scrolling still moves a whole line at a time.
 */
export function wrappedRows(buffer: RingBuffer<LogLine>, state: LogPaneState, rows: number, width: number): WrappedRow[] {
	const room = Math.max(1, width);
	const firstHeld = buffer.total - buffer.length;
	const bottom = Math.min(state.bottom ?? buffer.total - 1, buffer.total - 1);
	const out: WrappedRow[] = [];
	for (let number = bottom; number >= firstHeld && out.length < rows; number -= 1) {
		const line = buffer.at(number - firstHeld);
		if (!line) continue;
		out.unshift(...wrapLine([...line.text.replace(/[\t\r\n]/g, ' ')], room).map((piece) => ({ number, line, ...piece })));
	}
	return out.slice(Math.max(0, out.length - rows));
}

/** A line's rows: cut at the last space that leaves a row at least half full (the space itself dropped), else at the width. */
function wrapLine(chars: readonly string[], width: number): { at: number; text: string }[] {
	const pieces: { at: number; text: string }[] = [];
	let at = 0;
	for (;;) {
		if (chars.length - at <= width) {
			pieces.push({ at, text: chars.slice(at).join('') });
			return pieces;
		}
		const space = chars.lastIndexOf(' ', at + width);
		const end = space > at + width / 2 ? space : at + width;
		pieces.push({ at, text: chars.slice(at, end).join('') });
		at = end === space ? end + 1 : end;
	}
}

/** The parts of a line (as `splitMatches` cut it) that fall in characters [from, to): one wrapped row's. */
export function partsWithin(parts: readonly { readonly text: string; readonly match: boolean }[], from: number, to: number): { readonly text: string; readonly match: boolean }[] {
	const out: { text: string; match: boolean }[] = [];
	let at = 0;
	for (const part of parts) {
		const chars = [...part.text];
		const start = Math.max(from, at);
		const end = Math.min(to, at + chars.length);
		if (start < end) out.push({ text: chars.slice(start - at, end - at).join(''), match: part.match });
		at += chars.length;
	}
	return out;
}

/**
 * Every held line containing the term (case-insensitive), by absolute number, oldest first.
 * Kept between renders and extended only by the lines that arrived since, so a counter can be
 * shown on every frame of a busy log.
 */
export class MatchIndex {
	private term = '';
	private scanned = 0;
	private found: number[] = [];

	matches(buffer: RingBuffer<LogLine>, term: string): readonly number[] {
		const needle = term.toLowerCase();
		const firstHeld = buffer.total - buffer.length;
		if (needle !== this.term) {
			this.term = needle;
			this.scanned = firstHeld;
			this.found = [];
		}
		if (needle === '') return this.found;
		// Lines the ring buffer has dropped can't be shown: their matches go.
		if (this.found.length > 0 && this.found[0]! < firstHeld) this.found = this.found.filter((number) => number >= firstHeld);
		for (let number = Math.max(this.scanned, firstHeld); number < buffer.total; number += 1) {
			if (buffer.at(number - firstHeld)?.text.toLowerCase().includes(needle)) this.found.push(number);
		}
		this.scanned = buffer.total;
		return this.found;
	}
}

/** The match after (`1`, newer) or before (`-1`, older) `from`, wrapping around; null when there is none. */
export function stepMatch(matches: readonly number[], from: number, direction: 1 | -1): { readonly match: number; readonly wrapped: boolean } | null {
	if (matches.length === 0) return null;
	if (direction === -1) {
		for (let index = matches.length - 1; index >= 0; index -= 1) if (matches[index]! < from) return { match: matches[index]!, wrapped: false };
		return { match: matches.at(-1)!, wrapped: true };
	}
	for (const match of matches) if (match > from) return { match, wrapped: false };
	return { match: matches[0]!, wrapped: true };
}

/** The newest match at or above `bottom` (where the operator is looking), else the newest of all. */
export function matchFrom(matches: readonly number[], bottom: number): number | null {
	for (let index = matches.length - 1; index >= 0; index -= 1) if (matches[index]! <= bottom) return matches[index]!;
	return matches.at(-1) ?? null;
}

/** "3/7": which match is current, counted oldest first. */
export function matchCounter(matches: readonly number[], match: number | null): string {
	if (matches.length === 0) return '0/0';
	const at = match === null ? -1 : matches.indexOf(match);
	return `${at === -1 ? '–' : at + 1}/${matches.length}`;
}

/** Pieces of a line's text, the occurrences of `term` flagged (case-insensitive). */
export function splitMatches(text: string, term: string): { readonly text: string; readonly match: boolean }[] {
	if (term === '') return [{ text, match: false }];
	const lower = text.toLowerCase();
	const needle = term.toLowerCase();
	const parts: { text: string; match: boolean }[] = [];
	let from = 0;
	for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
		if (at > from) parts.push({ text: text.slice(from, at), match: false });
		parts.push({ text: text.slice(at, at + needle.length), match: true });
		from = at + needle.length;
	}
	if (from < text.length) parts.push({ text: text.slice(from), match: false });
	return parts;
}

export function useLogPaneState() {
	return useSyncReducer(logPaneReducer, initialLogPaneState);
}
