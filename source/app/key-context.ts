import type { ConsoleData } from '../store/console-store.js';
import type { KeyContext } from './keymap.js';

/** Which part of the keymap is live: typing beats modals, modals beat panes. */
export function keyContextOf(state: Pick<ConsoleData, 'filterDraft' | 'modal' | 'view' | 'pane'>): KeyContext {
	if (state.filterDraft !== null) return 'text';
	switch (state.modal.kind) {
		case 'help':
			return 'help';
		case 'phases':
			return 'phases';
		case 'generations':
			return 'generations';
		case 'confirm-switch':
		case 'confirm-rollback':
		case 'confirm-quit':
		case 'confirm-wave':
		case 'confirm-break-lock':
			return 'dialog';
		default:
			return state.view !== 'grid' || state.pane === 'log' ? 'log' : 'grid';
	}
}
