import { createStore, type StoreApi } from 'zustand/vanilla';
import { createHotSlice, type HotActions, type HotData } from './hot-slice.js';
import { createUiSlice, type UiActions, type UiData, type UiSliceOptions } from './ui-slice.js';

/**
 * The console's one store, in two slices split by heat (zustand's slices pattern): the hot
 * slice (hot-slice.ts) takes engine events as fast as hosts talk and publishes them in batches;
 * the UI slice (ui-slice.ts) is what the operator does, set at once. Components select from the
 * whole state; each slice writes only its own half.
 */
export type ConsoleData = HotData & UiData;
export type ConsoleActions = HotActions & UiActions;
export type ConsoleState = ConsoleData & ConsoleActions;
export type ConsoleStore = StoreApi<ConsoleState>;

/** What the UI slice starts with (hosts, preselection, plan, waves, skips), and how the hot slice keeps lines. */
export interface ConsoleStoreOptions extends UiSliceOptions {
	/** Lines kept per host (default: `logCapacityFor` the fleet's size). */
	readonly logCapacity?: number;
	/** Engine events are published at most once per this many ms. */
	readonly publishIntervalMs?: number;
	readonly now?: () => number;
}

export const defaultLogCapacity = 2000;
/**
 * Lines the console keeps over all hosts: a big fleet keeps fewer per host (never under
 * `minLogCapacity`), so memory stays flat however many hosts stream. The run record keeps every line.
 */
export const logLineBudget = 100_000;
const minLogCapacity = 200;

/** Lines kept per host for a fleet of `hosts`. */
export function logCapacityFor(hosts: number): number {
	return Math.max(minLogCapacity, Math.min(defaultLogCapacity, Math.floor(logLineBudget / Math.max(1, hosts))));
}
export const defaultPublishIntervalMs = 160;

export function createConsoleStore(options: ConsoleStoreOptions): ConsoleStore {
	const hot = createHotSlice({
		hosts: options.hosts,
		logCapacity: options.logCapacity ?? logCapacityFor(options.hosts.length),
		publishIntervalMs: options.publishIntervalMs ?? defaultPublishIntervalMs,
		now: options.now ?? Date.now,
	});
	const ui = createUiSlice(options);
	return createStore<ConsoleState>()((set, get) => ({ ...hot(set, get), ...ui(set, get) }));
}

export interface DeployTargets {
	/** What the next deploy touches: the selected hosts on screen, else the focused host. */
	readonly hosts: readonly string[];
	/** Selected hosts the filter hides: left out, and said so. */
	readonly hidden: readonly string[];
}

/** The operator acts on what they see: with a filter on, selected hosts it hides are left out. */
export function deployTargets(state: Pick<ConsoleData, 'order' | 'visible' | 'selected' | 'focus'>): DeployTargets {
	if (state.selected.size === 0) return { hosts: state.focus === null ? [] : [state.focus], hidden: [] };
	const visible = new Set(state.visible);
	const selected = state.order.filter((name) => state.selected.has(name));
	return { hosts: selected.filter((name) => visible.has(name)), hidden: selected.filter((name) => !visible.has(name)) };
}
