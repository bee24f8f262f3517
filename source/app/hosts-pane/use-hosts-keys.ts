import { sortNames } from '../../store/host-order.js';
import { useConsoleServices } from '../console-context.js';
import { movedFocus, type Direction } from '../host-grid/use-host-grid-state.js';
import type { HostsScroll } from './hosts-scroll.js';
import { typedText } from '../input/key-reader.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor, type Action } from '../keymap.js';
import { useConsoleActions } from '../use-console-actions.js';

const moves: Partial<Record<Action, Direction>> = { 'move-up': 'up', 'move-down': 'down', 'move-left': 'left', 'move-right': 'right' };

/** What the keys need to know about the hosts on screen. */
export interface HostsGeometry {
	readonly view: 'tiles' | 'table';
	/** Hosts per row: tile columns, or 1 in the table. */
	readonly columns: number;
	/** Rows (table lines or tile rows) one PgUp/PgDn scrolls by; the focus moves as many hosts (× columns). */
	readonly pageRows: number;
	/** Whether a log pane is on screen for `tab` to go to. */
	readonly logPane: boolean;
}

/**
 * Keys of the hosts (tiles or table): focus and paging in display order, selection, the `/`
 * filter, sort, grouping, the table toggle, and the shared console actions. A paste here starts
 * a filter with the pasted text: pasted text never acts as keys.
 */
export function useHostsKeys(geometry: HostsGeometry, scroll: HostsScroll): void {
	const { store } = useConsoleServices();
	const perform = useConsoleActions();
	useKeys('grid', (key) => {
		const state = store.getState();
		if (key.name === 'paste') {
			state.startFilter();
			state.editFilter(typedText(key));
			return;
		}
		const action = actionFor('grid', key.name);
		if (!action) return;
		const order = state.ordered();
		const focusAt = (index: number): void => {
			const name = order[Math.max(0, Math.min(order.length - 1, index))];
			if (name !== undefined) state.setFocus(name);
		};
		const index = state.focus === null ? -1 : order.indexOf(state.focus);
		const direction = moves[action];
		if (direction) {
			// Rows of a table have no left and right.
			if (geometry.view === 'table' && (direction === 'left' || direction === 'right')) return;
			const next = movedFocus(order, state.focus, direction, geometry.columns);
			if (next !== null) state.setFocus(next);
			return;
		}
		// Paging scrolls the view a page and the focus with it; the render keeps the focus in view.
		const page = (by: number): void => {
			scroll.top += by * geometry.pageRows;
			focusAt(index + by * geometry.pageRows * geometry.columns);
		};
		switch (action) {
			case 'page-up':
				return page(-1);
			case 'page-down':
				return page(1);
			case 'top':
				scroll.top = 0;
				return focusAt(0);
			case 'bottom':
				scroll.top = Number.MAX_SAFE_INTEGER;
				return focusAt(order.length - 1);
			case 'toggle-select':
				return state.toggleSelected();
			case 'toggle-all':
				return state.toggleAll();
			case 'filter':
				return state.startFilter();
			case 'clear-filter':
				return state.clearFilter();
			case 'toggle-table':
				state.setHostsView(geometry.view === 'table' ? 'tiles' : 'table');
				return;
			case 'sort':
				state.cycleSort();
				state.setNotice(`sorted by ${sortNames[store.getState().sort]} (s: next)`);
				return;
			case 'group': {
				state.cycleGroup();
				const group = store.getState().group;
				state.setNotice(group === 0 ? 'not grouped' : `grouped by tag ${group} (@: next)`);
				return;
			}
			case 'switch-pane':
				// No room for a log pane under the hosts: the focused host's log full screen instead.
				if (!geometry.logPane && state.pane === 'grid') state.setView('host-log');
				else perform(action);
				return;
			default:
				perform(action);
		}
	});
}
