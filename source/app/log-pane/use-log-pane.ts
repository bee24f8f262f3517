import type { LogLine } from '../../store/hot-slice.js';
import type { RingBuffer } from '../../store/ring-buffer.js';
import { useConsoleServices } from '../console-context.js';
import { typedText, withoutLastCharacter } from '../input/key-reader.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { useConsoleActions } from '../use-console-actions.js';
import { extentOf, matchFrom, stepMatch, type LogPaneAction, type LogPaneState, type MatchIndex } from './use-log-pane-state.js';

/** Keys of a log pane with the keys: scrolling, follow, search with n/N, plus the shared console actions. */
export function useLogPane(keyTarget: string | null, buffer: () => RingBuffer<LogLine>, rows: number, current: () => LogPaneState, dispatch: (action: LogPaneAction) => void, index: MatchIndex): void {
	const { store } = useConsoleServices();
	const perform = useConsoleActions();
	useKeys(keyTarget, (key) => {
		const state = current();
		const log = buffer();
		const extent = extentOf(log, rows);
		const notice = (text: string): void => store.getState().setNotice(text);
		if (state.searchDraft !== null) {
			const action = actionFor('text', key.name);
			if (action === 'accept-text') {
				const matches = index.matches(log, state.searchDraft);
				const match = matchFrom(matches, state.bottom ?? extent.total - 1);
				dispatch({ type: 'accept-search', match, extent });
				if (match === null && state.searchDraft !== '') notice(`no line matches "${state.searchDraft}"`);
			} else if (action === 'cancel-text') dispatch({ type: 'cancel-search' });
			else if (action === 'delete-char') dispatch({ type: 'edit-search', text: withoutLastCharacter(state.searchDraft) });
			else if (action === 'interrupt') perform('interrupt');
			else if (typedText(key)) dispatch({ type: 'edit-search', text: state.searchDraft + typedText(key) });
			return;
		}
		const action = actionFor('log', key.name);
		switch (action) {
			case undefined:
				return;
			case 'scroll-up':
				return dispatch({ type: 'scroll', by: -1, extent });
			case 'scroll-down':
				return dispatch({ type: 'scroll', by: 1, extent });
			case 'page-up':
				return dispatch({ type: 'scroll', by: -Math.max(1, rows - 1), extent });
			case 'page-down':
				return dispatch({ type: 'scroll', by: Math.max(1, rows - 1), extent });
			case 'top':
				return dispatch({ type: 'oldest', extent });
			case 'bottom':
			case 'follow':
				return dispatch({ type: 'follow' });
			case 'search':
				return dispatch({ type: 'start-search' });
			case 'next-match':
			case 'previous-match': {
				if (state.term === '') return notice('no search yet: press /');
				const matches = index.matches(log, state.term);
				const from = state.match ?? (state.bottom ?? extent.total - 1) + 1;
				const step = stepMatch(matches, from, action === 'next-match' ? -1 : 1);
				if (step === null) return notice(`no line matches "${state.term}"`);
				dispatch({ type: 'jump', to: step.match, extent });
				if (step.wrapped) notice(action === 'next-match' ? 'search wrapped: back at the newest match' : 'search wrapped: back at the oldest match');
				return;
			}
			default:
				perform(action);
		}
	});
}
