import type { HostConfig, WaveConfig } from '../config/types.js';
import { noSkips, type Skips } from '../engine/activation.js';
import type { Phase, StagedHost } from '../engine/events.js';
import type { RollbackTarget, WaveProgress } from '../engine/requests.js';
import { presets } from '../engine/plan.js';
import type { WavePlan } from '../engine/waves.js';
import { filterHosts } from './host-filter.js';
import { hostSorts, memoizedOrder, type HostSort } from './host-order.js';
import type { HotData } from './hot-slice.js';

export interface Plan {
	/** A preset name (full, dry-run, …) or the single phase chosen. */
	readonly name: string;
	readonly phases: readonly Phase[];
}

/**
 * What sits over the hosts. Modals stack: help over a question, the quit question over the
 * switch question, a file's diff over the list of changed files; closing one shows the one below.
 * The key context follows from the top one.
 */
export type Modal =
	| { readonly kind: 'none' }
	| { readonly kind: 'help' }
	| { readonly kind: 'phases' }
	/** `plan`: the waves the switch will go in, as the engine will run them. */
	| { readonly kind: 'confirm-switch'; readonly staged: readonly StagedHost[]; readonly plan?: WavePlan<string> }
	| { readonly kind: 'generations'; readonly host: string }
	| { readonly kind: 'confirm-rollback'; readonly hosts: readonly string[]; readonly target: RollbackTarget; readonly question: string }
	| { readonly kind: 'confirm-quit' }
	| { readonly kind: 'confirm-wave'; readonly progress: WaveProgress }
	/** `holder`: who holds the lock, as read just before asking. */
	| { readonly kind: 'confirm-break-lock'; readonly host: string; readonly holder: string }
	/** A staged host's changed files, looked at from the switch question. */
	| { readonly kind: 'changes'; readonly host: string }
	/** One changed file's diff, current generation against the staged one. */
	| { readonly kind: 'diff'; readonly host: string; readonly path: string };

export type ModalKind = Modal['kind'];

/** Tiles or the table: 'auto' shows the table once the tiles don't fit. */
export type HostsView = 'auto' | 'tiles' | 'table';

/** What fills the screen above the status bar. */
export type View = 'grid' | 'host-log' | 'all-logs';
/** Which half of the grid view has the keys. */
export type Pane = 'grid' | 'log';

/**
 * The cold half of the console's store: what the operator is doing, changed a key at a time
 * (focus, selection, filter, plan, modals, sort, grouping, views, the notice), plus the fleet's
 * fixed facts the screen is laid out by. Set at once; nothing here waits for a batch.
 */
export interface UiData {
	/** Host names in config order. */
	readonly order: readonly string[];
	/** Names matching the filter (or the filter being typed), in config order. */
	readonly visible: readonly string[];
	readonly selected: ReadonlySet<string>;
	readonly focus: string | null;
	readonly filter: string;
	/** Text being typed after `/`; null when not editing. */
	readonly filterDraft: string | null;
	readonly plan: Plan;
	/** How the next deploy switches: canary, batch, max failures (hosts.toml's, the command line's, then the phase picker's). */
	readonly waves: WaveConfig;
	/** Activation steps the next deploy leaves out (--skip-frontend, --skip-backend, --skip-services). */
	readonly skips: Skips;
	/** The top of `modals` ({ kind: 'none' } when the stack is empty). */
	readonly modal: Modal;
	readonly modals: readonly Modal[];
	readonly hostsView: HostsView;
	readonly sort: HostSort;
	/** 0: not grouped; n: grouped by each host's n-th tag. */
	readonly group: number;
	/** The most tags any host has: how far `@` cycles. */
	readonly tagDepth: number;
	/** Longest host name and tag list (`@a @b`): the table's column widths. */
	readonly longestName: number;
	readonly longestTags: number;
	readonly view: View;
	readonly pane: Pane;
	/** One line for the status bar: what just happened or why a key did nothing. */
	readonly notice: string | null;
}

export interface UiActions {
	setFocus(name: string): void;
	toggleSelected(name?: string): void;
	/** Select every visible host, or none when all visible hosts already are. */
	toggleAll(): void;
	startFilter(): void;
	editFilter(text: string): void;
	applyFilter(): void;
	cancelFilter(): void;
	clearFilter(): void;
	setPlan(plan: Plan): void;
	setWaves(waves: WaveConfig): void;
	/** Puts a modal on top of the stack. */
	openModal(modal: Modal): void;
	/** Closes the top modal. */
	closeModal(): void;
	/** Closes the modal of this kind, and whatever was opened over it. */
	removeModal(kind: ModalKind): void;
	/** The hosts on screen in display order (filter, group, sort). */
	ordered(): readonly string[];
	setHostsView(view: HostsView): void;
	/** Next sort: config order → state → name → generation → config order. */
	cycleSort(): void;
	/** Next grouping: off → 1st tag → … → off. */
	cycleGroup(): void;
	setView(view: View): void;
	setPane(pane: Pane): void;
	setNotice(notice: string | null): void;
}

export type UiSlice = UiData & UiActions;

export interface UiSliceOptions {
	readonly hosts: readonly HostConfig[];
	readonly preselect?: { readonly hosts: readonly string[]; readonly tags: readonly string[] };
	/** The plan, waves and skips the console starts with (default: full, no canary, nothing skipped): pass the config's waves. */
	readonly plan?: Plan;
	readonly waves?: WaveConfig;
	readonly skips?: Skips;
}

const none: Modal = { kind: 'none' };
const stacked = (modals: readonly Modal[]): Pick<UiData, 'modal' | 'modals'> => ({ modals, modal: modals.at(-1) ?? none });
const focusInside = (visible: readonly string[], focus: string | null): string | null => (focus !== null && visible.includes(focus) ? focus : (visible[0] ?? null));

/** The UI slice over the store's `set` and `get`: it writes only its own half, and reads the host views to order them. */
export function createUiSlice(options: UiSliceOptions): (set: (patch: Partial<UiData>) => void, get: () => UiData & Pick<HotData, 'hosts'>) => UiSlice {
	const configs = options.hosts;
	const order = configs.map((host) => host.name);
	const visibleFor = (filter: string): string[] => filterHosts(configs, filter).map((host) => host.name);
	const order_ = memoizedOrder();

	const initialSelection = (): Set<string> => {
		const { hosts: names = [], tags = [] } = options.preselect ?? {};
		if (names.length === 0 && tags.length === 0) return new Set();
		return new Set(configs.filter((host) => names.includes(host.name) || host.tags.some((tag) => tags.includes(tag))).map((host) => host.name));
	};

	return (set, get) => ({
		order,
		visible: order,
		selected: initialSelection(),
		focus: order[0] ?? null,
		filter: '',
		filterDraft: null,
		plan: options.plan ?? { name: 'full', phases: presets.full },
		waves: options.waves ?? { canary: 0 },
		skips: options.skips ?? noSkips,
		modal: none,
		modals: [],
		hostsView: 'auto',
		sort: 'config',
		group: 0,
		tagDepth: Math.max(0, ...configs.map((host) => host.tags.length)),
		longestName: Math.max(0, ...configs.map((host) => [...host.name].length)),
		longestTags: Math.max(0, ...configs.map((host) => host.tags.map((tag) => `@${tag}`).join(' ').length)),
		view: 'grid',
		pane: 'grid',
		notice: null,

		setFocus(name) {
			if (get().hosts[name]) set({ focus: name });
		},
		toggleSelected(name) {
			const target = name ?? get().focus;
			if (target === null || !get().hosts[target]) return;
			const selected = new Set(get().selected);
			if (selected.has(target)) selected.delete(target);
			else selected.add(target);
			set({ selected });
		},
		toggleAll() {
			const { visible, selected } = get();
			const allVisibleSelected = visible.length > 0 && visible.every((name) => selected.has(name));
			const next = new Set(selected);
			for (const name of visible) {
				if (allVisibleSelected) next.delete(name);
				else next.add(name);
			}
			set({ selected: next });
		},
		startFilter() {
			set({ filterDraft: get().filter });
		},
		editFilter(text) {
			const visible = visibleFor(text);
			set({ filterDraft: text, visible, focus: focusInside(visible, get().focus) });
		},
		applyFilter() {
			const text = get().filterDraft ?? get().filter;
			const visible = visibleFor(text);
			set({ filter: text, filterDraft: null, visible, focus: focusInside(visible, get().focus) });
		},
		cancelFilter() {
			const visible = visibleFor(get().filter);
			set({ filterDraft: null, visible, focus: focusInside(visible, get().focus) });
		},
		clearFilter() {
			set({ filter: '', filterDraft: null, visible: order, focus: focusInside(order, get().focus) });
		},
		setPlan: (plan) => set({ plan }),
		setWaves: (waves) => set({ waves }),
		openModal: (modal) => set(stacked([...get().modals, modal])),
		closeModal: () => set(stacked(get().modals.slice(0, -1))),
		removeModal(kind) {
			const at = get().modals.findIndex((modal) => modal.kind === kind);
			if (at !== -1) set(stacked(get().modals.slice(0, at)));
		},
		ordered() {
			const { visible, hosts, sort, group } = get();
			return order_({ visible, hosts, sort, group });
		},
		setHostsView: (hostsView) => set({ hostsView }),
		cycleSort() {
			const next = hostSorts[(hostSorts.indexOf(get().sort) + 1) % hostSorts.length] ?? 'config';
			set({ sort: next });
		},
		cycleGroup() {
			const { group, tagDepth } = get();
			set({ group: group >= tagDepth ? 0 : group + 1 });
		},
		setView: (view) => set({ view }),
		setPane: (pane) => set({ pane }),
		setNotice: (notice) => set({ notice }),
	});
}
