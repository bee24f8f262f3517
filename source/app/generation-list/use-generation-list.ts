import { useInput } from 'ink';
import type { GenerationInfo } from '../../engine/events.js';
import { useConsoleServices } from '../console-context.js';
import { actionFor, keyNameOf } from '../keymap.js';
import { useConsoleActions } from '../use-console-actions.js';
import { rollbackPlan } from './use-generation-list-state.js';

export function useGenerationList(active: boolean, host: string, highlighted: () => GenerationInfo | undefined, move: (by: number) => void): void {
	const { store } = useConsoleServices();
	const perform = useConsoleActions();
	useInput(
		(input, key) => {
			const action = actionFor('generations', keyNameOf(input, key));
			const state = store.getState();
			if (action === 'move-up') move(-1);
			else if (action === 'move-down') move(1);
			else if (action === 'close') state.closeModal();
			else if (action === 'interrupt') perform('interrupt');
			else if (action === 'rollback') {
				const generation = highlighted();
				if (!generation) return;
				const selected = state.order.filter((name) => state.selected.has(name));
				const plan = rollbackPlan(host, generation, selected);
				if (plan.hosts.length === 1 && generation.current) {
					state.setNotice(`generation ${generation.id} is already current on ${host}`);
					return;
				}
				state.openModal({ kind: 'confirm-rollback', ...plan });
			}
		},
		{ isActive: active },
	);
}
