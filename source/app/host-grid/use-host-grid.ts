import { useInput } from 'ink';
import { useConsoleServices } from '../console-context.js';
import { actionFor, keyNameOf, type KeyContext } from '../keymap.js';
import { useConsoleActions } from '../use-console-actions.js';
import { movedFocus, type Direction } from './use-host-grid-state.js';

const moves: Partial<Record<string, Direction>> = { 'move-up': 'up', 'move-down': 'down', 'move-left': 'left', 'move-right': 'right' };

/** Keys of the grid: focus, selection, the `/` filter line, and the shared console actions. */
export function useHostGrid(context: KeyContext, columns: number): void {
	const { store } = useConsoleServices();
	const perform = useConsoleActions();
	useInput(
		(input, key) => {
			const state = store.getState();
			const keyName = keyNameOf(input, key);
			if (context === 'text') {
				const action = actionFor('text', keyName);
				if (action === 'accept-text') state.applyFilter();
				else if (action === 'cancel-text') state.cancelFilter();
				else if (action === 'delete-char') state.editFilter((state.filterDraft ?? '').slice(0, -1));
				else if (action === 'interrupt') perform('interrupt');
				else if (input && !key.ctrl && !key.meta) state.editFilter((state.filterDraft ?? '') + input);
				return;
			}
			const action = actionFor('grid', keyName);
			if (!action) return;
			const direction = moves[action];
			if (direction) {
				const next = movedFocus(state.visible, state.focus, direction, columns);
				if (next !== null) state.setFocus(next);
				return;
			}
			if (action === 'toggle-select') state.toggleSelected();
			else if (action === 'toggle-all') state.toggleAll();
			else if (action === 'filter') state.startFilter();
			else if (action === 'clear-filter') state.clearFilter();
			else perform(action);
		},
		{ isActive: context === 'grid' || context === 'text' },
	);
}
