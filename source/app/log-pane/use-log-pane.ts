import { useInput } from 'ink';
import type { LogLine } from '../../store/console-store.js';
import type { RingBuffer } from '../../store/ring-buffer.js';
import { useConsoleServices } from '../console-context.js';
import { actionFor, keyNameOf } from '../keymap.js';
import { useConsoleActions } from '../use-console-actions.js';
import { extentOf, findMatchBefore, type LogPaneAction, type LogPaneState } from './use-log-pane-state.js';

/** Keys of a focused log pane: scrolling, follow, search, plus the shared console actions. */
export function useLogPane(active: boolean, buffer: () => RingBuffer<LogLine>, rows: number, current: () => LogPaneState, dispatch: (action: LogPaneAction) => void): void {
	const { store } = useConsoleServices();
	const perform = useConsoleActions();
	useInput(
		(input, key) => {
			const keyName = keyNameOf(input, key);
			const state = current();
			const extent = extentOf(buffer(), rows);
			if (state.searchDraft !== null) {
				const action = actionFor('text', keyName);
				if (action === 'accept-text') {
					const term = state.searchDraft;
					dispatch({ type: 'accept-search', match: findMatchBefore(buffer(), term, extent.total), extent });
				} else if (action === 'cancel-text') dispatch({ type: 'cancel-search' });
				else if (action === 'delete-char') dispatch({ type: 'edit-search', text: state.searchDraft.slice(0, -1) });
				else if (action === 'interrupt') perform('interrupt');
				else if (input && !key.ctrl && !key.meta) dispatch({ type: 'edit-search', text: state.searchDraft + input });
				return;
			}
			const action = actionFor('log', keyName);
			switch (action) {
				case undefined:
					return;
				case 'scroll-up':
					dispatch({ type: 'scroll', by: -1, extent });
					return;
				case 'scroll-down':
					dispatch({ type: 'scroll', by: 1, extent });
					return;
				case 'page-up':
					dispatch({ type: 'scroll', by: -Math.max(1, rows - 1), extent });
					return;
				case 'page-down':
					dispatch({ type: 'scroll', by: Math.max(1, rows - 1), extent });
					return;
				case 'follow':
					dispatch({ type: 'follow' });
					return;
				case 'search':
					dispatch({ type: 'start-search' });
					return;
				case 'next-match': {
					const from = state.bottom ?? extent.total;
					const match = findMatchBefore(buffer(), state.term, from);
					if (match !== null) dispatch({ type: 'jump', to: match, extent });
					else store.getState().setNotice(state.term ? `no older line matches "${state.term}"` : 'no search yet: press /');
					return;
				}
				case 'close': {
					const current = store.getState();
					if (current.view !== 'grid') current.setView('grid');
					else current.setPane('grid');
					return;
				}
				default:
					perform(action);
			}
		},
		{ isActive: active },
	);
}
