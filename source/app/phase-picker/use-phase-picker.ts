import { useInput } from 'ink';
import { actionFor, keyNameOf } from '../keymap.js';

export interface PhasePickerKeys {
	readonly move: (by: number) => void;
	readonly choose: () => void;
	readonly close: () => void;
	readonly interrupt: () => void;
}

/** ↑↓/jk move, enter chooses, esc closes. State is read synchronously, so fast keys don't act on a stale highlight. */
export function usePhasePicker(active: boolean, keys: PhasePickerKeys): void {
	useInput(
		(input, key) => {
			const keyName = keyNameOf(input, key);
			const action = actionFor('phases', keyName);
			if (action === 'pick-move') keys.move(keyName === 'up' || keyName === 'k' ? -1 : 1);
			else if (action === 'choose') keys.choose();
			else if (action === 'close') keys.close();
			else if (action === 'interrupt') keys.interrupt();
		},
		{ isActive: active },
	);
}
