import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { useConsoleActions } from '../use-console-actions.js';

/** y answers yes; n, esc and enter answer no: the default is always No. `?` and `q` as anywhere. */
export function useConfirmDialog(keyTarget: string, onAnswer: (yes: boolean) => void, onInterrupt: () => void): void {
	const perform = useConsoleActions();
	useKeys(keyTarget, (key) => {
		const action = actionFor('dialog', key.name);
		if (action === 'yes') onAnswer(true);
		else if (action === 'no') onAnswer(false);
		else if (action === 'interrupt') onInterrupt();
		else if (action) perform(action);
	});
}
