import { useInput } from 'ink';
import { actionFor, keyNameOf } from '../keymap.js';

/** y answers yes; n, esc and enter answer no: the default is always No. */
export function useConfirmDialog(active: boolean, onAnswer: (yes: boolean) => void, onInterrupt: () => void): void {
	useInput(
		(input, key) => {
			const action = actionFor('dialog', keyNameOf(input, key));
			if (action === 'yes') onAnswer(true);
			else if (action === 'no') onAnswer(false);
			else if (action === 'interrupt') onInterrupt();
		},
		{ isActive: active },
	);
}
