import { useEffect, useRef } from 'react';
import { useConsoleServices } from '../console-context.js';
import { useKeyQueue, useKeys } from '../input/use-keys.js';
import type { KeyPress } from '../input/key-reader.js';
import { keyTargetOf } from '../key-context.js';
import { actionFor } from '../keymap.js';
import { pickDirection } from '../pick-list/pick-list-state.js';
import { useConsoleActions } from '../use-console-actions.js';
import { newestFirst, resolveHighlight, rollbackPlan, type Highlight, type HighlightAction } from './use-generation-list-state.js';

/**
 * ↑↓ highlight, r asks to roll back, esc/g close. Reads the list from the store at key time.
 * Keys typed while the list is still on its way wait for it (typeahead: `g↓↓r` means the
 * generation two below current); a close goes at once and drops them.
 */
export function useGenerationList(host: string, highlight: () => Highlight, dispatch: (action: HighlightAction) => void): void {
	const { store, controller } = useConsoleServices();
	const perform = useConsoleActions();
	const queue = useKeyQueue();
	const waiting = useRef<KeyPress[]>([]);
	const handle = (key: KeyPress): void => {
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
	};
	const latest = useRef(handle);
	latest.current = handle;
	const id = `generations:${host}`;
	useKeys(id, (key) => {
		const listed = store.getState().generations[host] !== undefined;
		if (actionFor('generations', key.name) === 'close') waiting.current = [];
		else if (!listed || waiting.current.length > 0) {
			waiting.current.push(key);
			return;
		}
		handle(key);
	});
	// The list (or why it could not be read) has come: the keys typed ahead go on, in order; once
	// one of them opens another view (r: the question), the rest are that view's, through the queue.
	useEffect(
		() =>
			store.subscribe((state) => {
				if (waiting.current.length === 0 || state.generations[host] === undefined) return;
				const keys = waiting.current.splice(0);
				for (const [index, key] of keys.entries()) {
					if (keyTargetOf(store.getState()).id !== id) {
						queue.push(keys.slice(index));
						return;
					}
					latest.current(key);
				}
			}),
		[store, host, id, queue],
	);
}
