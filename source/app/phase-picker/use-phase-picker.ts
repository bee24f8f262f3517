import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { pickDirection } from '../pick-list/pick-list-state.js';
import { useConsoleActions } from '../use-console-actions.js';

export interface PhasePickerKeys {
	readonly move: (by: number) => void;
	readonly choose: () => void;
}

/** ↑↓/jk move, enter chooses, esc closes, `?`/`q` as anywhere. State is read synchronously, so keys typed ahead act on the highlight they follow. */
export function usePhasePicker(keys: PhasePickerKeys): void {
	const perform = useConsoleActions();
	useKeys('phases', (key) => {
		const action = actionFor('phases', key.name);
		if (action === 'pick-move') keys.move(pickDirection(key.name));
		else if (action === 'choose') keys.choose();
		else if (action) perform(action);
	});
}
