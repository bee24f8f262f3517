import type { ConsoleData } from '../store/console-store.js';
import type { KeyContext } from './keymap.js';

/**
 * Which view gets the next key: its part of the keymap (`context`) and which view exactly (`id`),
 * read from the store at the moment the key is handled. Questions beat typing, typing beats panes.
 * The id names what the view shows (`log:grid:web-1`), so a key typed ahead never reaches a view
 * that is about to go: it waits for the one registered under that id (see input/key-queue.ts).
 */
export interface KeyTarget {
	readonly context: KeyContext;
	readonly id: string;
}

type TargetState = Pick<ConsoleData, 'filterDraft' | 'modal' | 'view' | 'pane' | 'focus'>;

export function keyTargetOf(state: TargetState): KeyTarget {
	const modal = state.modal;
	// Nothing opens over a filter being typed except the engine's own questions, which take the keys.
	if (state.filterDraft !== null && modal.kind === 'none') return { context: 'text', id: 'text' };
	switch (modal.kind) {
		case 'help':
			return { context: 'help', id: 'help' };
		case 'phases':
			return { context: 'phases', id: 'phases' };
		case 'generations':
			return { context: 'generations', id: `generations:${modal.host}` };
		case 'confirm-switch':
			return { context: 'switch', id: 'switch' };
		case 'changes':
			return { context: 'changes', id: `changes:${modal.host}` };
		case 'diff':
			return { context: 'diff', id: `diff:${modal.host}:${modal.path}` };
		case 'confirm-rollback':
		case 'confirm-quit':
		case 'confirm-wave':
			return { context: 'dialog', id: `dialog:${modal.kind}` };
		case 'confirm-break-lock':
			return { context: 'dialog', id: `dialog:${modal.kind}:${modal.host}` };
		default:
			if (state.view !== 'grid') return { context: 'log', id: `log:${state.view}:${state.view === 'all-logs' ? '*' : (state.focus ?? '')}` };
			return state.pane === 'log' ? { context: 'log', id: `log:grid:${state.focus ?? ''}` } : { context: 'grid', id: 'grid' };
	}
}

