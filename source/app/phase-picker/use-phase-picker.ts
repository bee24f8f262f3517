import { useInput } from 'ink';
import { actionFor, keyNameOf } from '../keymap.js';

/** Esc closes; moving and choosing are ink-select-input's own keys (listed in the keymap). */
export function usePhasePicker(active: boolean, onClose: () => void, onInterrupt: () => void): void {
	useInput(
		(input, key) => {
			const action = actionFor('phases', keyNameOf(input, key));
			if (action === 'close') onClose();
			else if (action === 'interrupt') onInterrupt();
		},
		{ isActive: active },
	);
}
