import { movedHighlight } from '../pick-list/pick-list-state.js';
import { useSyncReducer } from '../use-sync-reducer.js';

export type PickerAction = { readonly type: 'move'; readonly by: number; readonly count: number };

/** The highlighted option; wraps around like ink-select-input does. */
export function pickerReducer(index: number, action: PickerAction): number {
	return movedHighlight(index, action.by, action.count, true);
}

export function usePhasePickerState(initialIndex: number) {
	return useSyncReducer(pickerReducer, initialIndex);
}
