import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { pickDirection } from '../pick-list/pick-list-state.js';
import { useConsoleActions } from '../use-console-actions.js';

export interface PhasePickerKeys {
	readonly move: (by: number) => void;
	readonly choose: () => void;
	/** ←/→ on a wave row: the previous or next value (false elsewhere: nothing to change). */
	readonly change: (by: 1 | -1) => boolean;
}

/** ↑↓/jk move, enter chooses, ←→/hl change a wave value, esc closes, `?`/`q` as anywhere. State is read synchronously, so keys typed ahead act on the highlight they follow. */
export function usePhasePicker(keys: PhasePickerKeys): void {
	const perform = useConsoleActions();
	useKeys('phases', (key) => {
		const action = actionFor('phases', key.name);
		if (action === 'pick-move') keys.move(pickDirection(key.name));
		else if (action === 'choose') keys.choose();
		else if (action === 'change-value') keys.change(key.name === 'left' || key.name === 'h' ? -1 : 1);
		else if (action) perform(action);
	});
}
