import { useCallback } from 'react';
import { deployTargets } from '../store/console-store.js';
import { isFailed, nextMatching } from '../store/host-order.js';
import type { Action } from './keymap.js';
import { useConsoleServices } from './console-context.js';

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * Actions that mean the same wherever they are pressed: plan, run control, views, help, quit,
 * back. Returns false for actions it does not own, so the caller handles those.
 */
export function useConsoleActions(): (action: Action) => boolean {
	const { store, controller, exit, switchEnvironment } = useConsoleServices();
	return useCallback(
		(action: Action): boolean => {
			const state = store.getState();
			const focus = state.focus;
			switch (action) {
				case 'pick-phases':
					state.openModal({ kind: 'phases' });
					return true;
				case 'deploy': {
					// What the operator sees is what runs: selected hosts the filter hides are left out, and said so.
					const { hosts, hidden } = deployTargets(state);
					if (hosts.length === 0 && hidden.length > 0) {
						state.setNotice(`the ${plural(hidden.length, 'selected host')} ${hidden.length === 1 ? 'is' : 'are'} hidden by the filter: clear it (esc) or select hosts on screen`);
						return true;
					}
					if (controller.deploy(hosts, hidden)) {
						if (hidden.length > 0) state.setNotice(`deploy: ${plural(hosts.length, 'host')} · ${plural(hidden.length, 'selected host')} hidden by the filter left out`);
					}
					return true;
				}
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
					if (focus !== null) controller.askBreakLock(focus);
					return true;
				case 'next-failed':
				case 'previous-failed': {
					const next = nextMatching(state.ordered(), focus, action === 'next-failed' ? 1 : -1, (name) => isFailed(state.hosts[name]));
					if (next === null) state.setNotice('no failed host on screen');
					else state.setFocus(next);
					return true;
				}
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
				case 'switch-environment':
					if (!switchEnvironment) state.setNotice('no environments in this config ([environments.<name>] tables)');
					else if (controller.isBusy()) state.setNotice('a run is under way: wait, or c to cancel, before switching environment');
					else switchEnvironment();
					return true;
				case 'quit':
					if (state.modal.kind === 'confirm-quit') return true;
					if (controller.isBusy()) state.openModal({ kind: 'confirm-quit' });
					else exit();
					return true;
				case 'interrupt':
					// Ctrl-C stops the work (a second one says why it still waits); idle, it quits.
					if (controller.isBusy()) controller.cancel();
					else exit();
					return true;
				case 'close':
					// Back one step: the modal on top, else the full-screen log, else the log pane.
					if (state.modal.kind !== 'none') state.closeModal();
					else if (state.view !== 'grid') state.setView('grid');
					else state.setPane('grid');
					return true;
				default:
					return false;
			}
		},
		[store, controller, exit, switchEnvironment],
	);
}
