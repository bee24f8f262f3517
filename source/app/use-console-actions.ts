import { useCallback } from 'react';
import type { Action } from './keymap.js';
import { useConsoleServices } from './console-context.js';

/**
 * Actions that mean the same wherever they are pressed (grid or log pane): plan, run control,
 * views, help, quit. Returns false for actions it does not own, so the caller handles those.
 */
export function useConsoleActions(): (action: Action) => boolean {
	const { store, controller, exit } = useConsoleServices();
	return useCallback(
		(action: Action): boolean => {
			const state = store.getState();
			const focus = state.focus;
			switch (action) {
				case 'pick-phases':
					state.openModal({ kind: 'phases' });
					return true;
				case 'deploy':
					controller.deploy();
					return true;
				case 'cancel':
					controller.cancel();
					return true;
				case 'retry-failed':
					controller.retryFailed();
					return true;
				case 'generations':
					if (focus !== null) controller.showGenerations(focus);
					return true;
				case 'tail-logs':
					if (focus !== null) controller.toggleTail(focus);
					return true;
				case 'break-lock':
					if (focus !== null) state.openModal({ kind: 'confirm-break-lock', host: focus });
					return true;
				case 'switch-pane':
					state.setView('grid');
					state.setPane(state.pane === 'grid' ? 'log' : 'grid');
					return true;
				case 'host-log':
					state.setView(state.view === 'host-log' ? 'grid' : 'host-log');
					return true;
				case 'all-logs':
					state.setView(state.view === 'all-logs' ? 'grid' : 'all-logs');
					return true;
				case 'help':
					if (state.modal.kind === 'help') state.closeModal();
					else state.openModal({ kind: 'help' });
					return true;
				case 'quit':
					if (controller.isBusy()) state.openModal({ kind: 'confirm-quit' });
					else exit();
					return true;
				case 'interrupt':
					// Ctrl-C stops the work (a second one says why it still waits); idle, it quits.
					if (controller.isBusy()) controller.cancel();
					else exit();
					return true;
				default:
					return false;
			}
		},
		[store, controller, exit],
	);
}
