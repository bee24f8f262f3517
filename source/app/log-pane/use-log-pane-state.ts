import { useSyncReducer } from '../use-sync-reducer.js';
import type { LogLine } from '../../store/console-store.js';
import type { RingBuffer } from '../../store/ring-buffer.js';

/**
 * Scroll and search state of one log pane. Positions are absolute line numbers (0 = first line
 * ever appended), so a view scrolled back stays put while new lines arrive below it.
 */
export interface LogPaneState {
	/** Absolute number of the last line shown; null follows the tail. */
	readonly bottom: number | null;
	/** Search text being typed after `/`; null when not typing. */
	readonly searchDraft: string | null;
	readonly term: string;
}

export const initialLogPaneState: LogPaneState = { bottom: null, searchDraft: null, term: '' };

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
		case 'jump':
			return { ...state, bottom: clampBottom(action.to + Math.floor(action.extent.rows / 2), action.extent) ?? (action.to >= action.extent.total - action.extent.rows ? null : action.to) };
		case 'start-search':
			return { ...state, searchDraft: '' };
		case 'edit-search':
			return { ...state, searchDraft: action.text };
		case 'cancel-search':
			return { ...state, searchDraft: null };
		case 'accept-search': {
			const term = state.searchDraft ?? state.term;
			const next = { ...state, searchDraft: null, term };
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
	const bottom = state.bottom ?? buffer.total - 1;
	const first = Math.max(firstHeld, bottom - rows + 1);
	const out: { number: number; line: LogLine }[] = [];
	for (let number = first; number <= bottom; number += 1) {
		const line = buffer.at(number - firstHeld);
		if (line) out.push({ number, line });
	}
	return out;
}

/** The newest line containing `term` strictly before absolute line `before` (case-insensitive). */
export function findMatchBefore(buffer: RingBuffer<LogLine>, term: string, before: number): number | null {
	if (term === '') return null;
	const needle = term.toLowerCase();
	const firstHeld = buffer.total - buffer.length;
	for (let number = Math.min(before, buffer.total) - 1; number >= firstHeld; number -= 1) {
		if (buffer.at(number - firstHeld)?.text.toLowerCase().includes(needle)) return number;
	}
	return null;
}

export function useLogPaneState() {
	return useSyncReducer(logPaneReducer, initialLogPaneState);
}
