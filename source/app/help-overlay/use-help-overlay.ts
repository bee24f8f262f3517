import { useInput } from 'ink';
import { actionFor, keyNameOf, type Action } from '../keymap.js';

/** Help keys: esc/? close, ↑↓ scroll when the keymap doesn't fit, q and ^C as anywhere. */
export function useHelpOverlay(active: boolean, onScroll: (by: number) => void, perform: (action: Action) => boolean, onClose: () => void): void {
	useInput(
		(input, key) => {
			const keyName = keyNameOf(input, key);
			if (keyName === 'up' || keyName === 'down') {
				onScroll(keyName === 'up' ? -1 : 1);
				return;
			}
			const action = actionFor('help', keyName);
			if (action === 'close') onClose();
			else if (action) perform(action);
		},
		{ isActive: active },
	);
}
