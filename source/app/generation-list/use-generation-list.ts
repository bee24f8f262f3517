import { useConsoleServices } from '../console-context.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { pickDirection } from '../pick-list/pick-list-state.js';
import { useConsoleActions } from '../use-console-actions.js';
import { newestFirst, resolveHighlight, rollbackPlan, type Highlight, type HighlightAction } from './use-generation-list-state.js';

/** ↑↓ highlight, r asks to roll back, esc/g close. Reads the list from the store at key time. */
export function useGenerationList(host: string, highlight: () => Highlight, dispatch: (action: HighlightAction) => void): void {
	const { store, controller } = useConsoleServices();
	const perform = useConsoleActions();
	useKeys(`generations:${host}`, (key) => {
		const action = actionFor('generations', key.name);
		const state = store.getState();
		const list = newestFirst(state.generations[host]?.list ?? []);
		if (action === 'pick-move') dispatch({ type: 'move', by: pickDirection(key.name), list });
		else if (action === 'rollback') {
			const generation = list.length > 0 ? list[resolveHighlight(highlight(), list)] : undefined;
			if (!generation) return;
			if (controller.isBusy()) {
				state.setNotice('a run is in progress: roll back when it has finished (or cancel it)');
				return;
			}
			const selected = state.order.filter((name) => state.selected.has(name));
			const plan = rollbackPlan(host, generation, selected);
			if (plan.hosts.length === 1 && generation.current) {
				state.setNotice(`generation ${generation.id} is already current on ${host}`);
				return;
			}
			state.openModal({ kind: 'confirm-rollback', ...plan });
		} else if (action) perform(action);
	});
}
