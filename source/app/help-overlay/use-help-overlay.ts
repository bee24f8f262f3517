import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { scrollStep } from '../pick-list/scroll-state.js';
import { useConsoleActions } from '../use-console-actions.js';

/** Help keys: ↑↓ jk PgUp PgDn Home End scroll, esc or ? close, q and ^C as anywhere. */
export function useHelpOverlay(page: number, onScroll: (by: number) => void): void {
	const perform = useConsoleActions();
	useKeys('help', (key) => {
		const action = actionFor('help', key.name);
		const by = scrollStep(action, page);
		if (by !== undefined) onScroll(by);
		else if (action) perform(action);
	});
}
