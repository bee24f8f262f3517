import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HostConfig } from '../config/types.js';
import type { EngineEvent, GenerationInfo, Phase, RunKind, RunSummary, StagedHost } from '../engine/events.js';
import { hostsOfEvent } from '../engine/outcome/host-record.js';
import { isDryRun } from '../engine/outcome/tally.js';
import { eventHost, eventWording } from '../engine/outcome/words.js';
import type { RollbackTarget, WaveProgress } from '../engine/requests.js';
import { presets } from '../engine/plan.js';
import { filterHosts } from './host-filter.js';
import { hostSorts, memoizedOrder, type HostSort } from './host-order.js';
import { applyToHost, initialHostView, type HostDraft, type HostView } from './host-view.js';
import { RingBuffer } from './ring-buffer.js';

export interface LogLine {
	/** null: the shared build, before hosts diverge. */
	readonly host: string | null;
	readonly stream: 'stdout' | 'stderr' | 'info' | 'service';
	readonly text: string;
}

export interface Plan {
	/** A preset name (full, dry-run, …) or the single phase chosen. */
	readonly name: string;
	readonly phases: readonly Phase[];
}

export type RunState = 'idle' | 'running' | 'cancelling' | 'finished';

export interface RunView {
	readonly state: RunState;
	readonly kind: RunKind | null;
	readonly runId: string | null;
	readonly release: string | null;
	readonly hosts: readonly string[];
	/** A deploy that changes no host (build and preflight): its tally says so. */
	readonly dryRun: boolean;
	readonly summary: RunSummary | null;
	/** Selected hosts the filter hid when this deploy started: left out of it. */
	readonly leftOut: readonly string[];
}

export interface HostGenerations {
	readonly current: number | null;
	readonly list: readonly GenerationInfo[];
	/** Why the list could not be read (unreachable host, no permission). */
	readonly error?: string;
	/** The host's digest of this list when it was read back as it is (a rollback from it then takes one round trip). */
	readonly digest?: string;
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
	| { readonly kind: 'confirm-switch'; readonly staged: readonly StagedHost[] }
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

export interface ConsoleData {
	/** Host names in config order. */
	readonly order: readonly string[];
	readonly hosts: Readonly<Record<string, HostView>>;
	/** Names matching the filter (or the filter being typed), in config order. */
	readonly visible: readonly string[];
	readonly selected: ReadonlySet<string>;
	readonly focus: string | null;
	readonly filter: string;
	/** Text being typed after `/`; null when not editing. */
	readonly filterDraft: string | null;
	readonly plan: Plan;
	readonly run: RunView;
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
	readonly generations: Readonly<Record<string, HostGenerations>>;
	/** One line for the status bar: what just happened or why a key did nothing. */
	readonly notice: string | null;
	/** Bumped with every published batch of engine events. */
	readonly version: number;
	/** Lines ever appended to the all-hosts log. */
	readonly allLogTotal: number;
}

export interface ConsoleActions {
	/** Queue an engine event; it becomes visible with the next batch (≤ one per publish interval). */
	ingest(event: EngineEvent): void;
	/** Queue a line for a host's log pane (service logs from the console's tail key). */
	appendLog(host: string, stream: LogLine['stream'], text: string): void;
	/** Publish queued events now (tests, end of a run). */
	flush(): void;
	logOf(host: string): RingBuffer<LogLine>;
	allLogs(): RingBuffer<LogLine>;
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
	setRun(run: Partial<RunView>): void;
	setTailing(host: string, tailing: boolean): void;
	/** Drops a host's known generations, so a list being reloaded never shows stale rows. */
	forgetGenerations(host: string): void;
	generationsFailed(host: string, error: string): void;
	dispose(): void;
}

export type ConsoleState = ConsoleData & ConsoleActions;
export type ConsoleStore = StoreApi<ConsoleState>;

export interface ConsoleStoreOptions {
	readonly hosts: readonly HostConfig[];
	readonly preselect?: { readonly hosts: readonly string[]; readonly tags: readonly string[] };
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
	const now = options.now ?? Date.now;
	const capacity = options.logCapacity ?? logCapacityFor(options.hosts.length);
	const interval = options.publishIntervalMs ?? defaultPublishIntervalMs;
	const configs = options.hosts;
	const order = configs.map((host) => host.name);

	// Hot data lives here, outside the store: ring buffers are mutated in place and only a
	// version number tells React to look again.
	const logs = new Map(order.map((name) => [name, new RingBuffer<LogLine>(capacity)]));
	const allLogs = new RingBuffer<LogLine>(capacity * 4);
	const dirty = new Map<string, HostDraft>();
	let pendingRun: Partial<RunView> | null = null;
	let pendingGenerations: Record<string, HostGenerations> | null = null;
	let runHosts: readonly string[] = [];
	let timer: ReturnType<typeof setTimeout> | null = null;

	const visibleFor = (filter: string): string[] => filterHosts(configs, filter).map((host) => host.name);
	const order_ = memoizedOrder();
	const none: Modal = { kind: 'none' };
	const stacked = (modals: readonly Modal[]): Pick<ConsoleData, 'modal' | 'modals'> => ({ modals, modal: modals.at(-1) ?? none });

	const store = createStore<ConsoleState>()((set, get) => {
		const draftOf = (name: string): HostDraft | undefined => {
			const existing = dirty.get(name);
			if (existing) return existing;
			const published = get().hosts[name];
			if (!published) return undefined;
			const draft: HostDraft = { ...published };
			dirty.set(name, draft);
			return draft;
		};

		const schedule = (): void => {
			if (timer !== null) return;
			timer = setTimeout(publish, interval);
		};

		const pushLine = (line: LogLine, hosts: readonly string[]): void => {
			allLogs.push(line);
			for (const name of hosts) {
				const draft = draftOf(name);
				if (!draft) continue;
				logs.get(name)?.push(line);
				draft.logTotal += 1;
				if (line.text.trim() !== '') draft.lastLine = line.text;
			}
		};


		function publish(): void {
			if (timer !== null) clearTimeout(timer);
			timer = null;
			if (dirty.size === 0 && pendingRun === null && pendingGenerations === null) return;
			const state = get();
			const hosts = dirty.size === 0 ? state.hosts : { ...state.hosts, ...Object.fromEntries(dirty) };
			dirty.clear();
			const patch: Partial<ConsoleData> = {
				hosts,
				version: state.version + 1,
				allLogTotal: allLogs.total,
				...(pendingRun ? { run: { ...state.run, ...pendingRun } } : {}),
				...(pendingGenerations ? { generations: { ...state.generations, ...pendingGenerations } } : {}),
			};
			pendingRun = null;
			pendingGenerations = null;
			set(patch);
		}

		// Every event reads in the log panes as headless prints it and the run record keeps it.
		const words = eventWording();

		const setFocusInside = (visible: readonly string[], focus: string | null): string | null => (focus !== null && visible.includes(focus) ? focus : (visible[0] ?? null));

		const initialSelection = (): Set<string> => {
			const { hosts: names = [], tags = [] } = options.preselect ?? {};
			if (names.length === 0 && tags.length === 0) return new Set();
			return new Set(configs.filter((host) => names.includes(host.name) || host.tags.some((tag) => tags.includes(tag))).map((host) => host.name));
		};

		return {
			order,
			hosts: Object.fromEntries(configs.map((host) => [host.name, initialHostView(host)])),
			visible: order,
			selected: initialSelection(),
			focus: order[0] ?? null,
			filter: '',
			filterDraft: null,
			plan: { name: 'full', phases: presets.full },
			run: { state: 'idle', kind: null, runId: null, release: null, hosts: [], dryRun: false, summary: null, leftOut: [] },
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
			generations: {},
			notice: null,
			version: 0,
			allLogTotal: 0,

			ingest(event) {
				const at = now();
				if (event.type === 'run-started') {
					runHosts = event.hosts;
					pendingRun = { ...pendingRun, kind: event.kind, runId: event.runId, release: event.release, hosts: event.hosts, dryRun: isDryRun(event.kind, event.phases), summary: null };
				}
				if (event.type === 'run-finished') pendingRun = { ...pendingRun, summary: event.summary };
				if (event.type === 'generations') {
					pendingGenerations = { ...pendingGenerations, [event.host]: { current: event.current, list: event.generations, ...(event.digest === undefined ? {} : { digest: event.digest }) } };
				}
				if (event.type === 'log') {
					pushLine({ host: event.host, stream: event.stream, text: event.line }, event.host === null ? runHosts : [event.host]);
					schedule();
					return;
				}
				const targets = hostsOfEvent(event, runHosts);
				for (const name of targets) {
					const draft = draftOf(name);
					if (draft) applyToHost(draft, event, at);
				}
				// The summary is the console's closing words, not a log line.
				const lines = event.type === 'run-finished' ? [] : words(event);
				const shownTo = event.type === 'wave' ? event.hosts : targets;
				for (const text of lines) pushLine({ host: eventHost(event) ?? null, stream: 'info', text }, shownTo);
				schedule();
			},

			appendLog(host, stream, text) {
				pushLine({ host, stream, text }, [host]);
				schedule();
			},

			flush: publish,
			logOf: (host) => logs.get(host) ?? new RingBuffer<LogLine>(1),
			allLogs: () => allLogs,

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
				set({ filterDraft: text, visible, focus: setFocusInside(visible, get().focus) });
			},
			applyFilter() {
				const text = get().filterDraft ?? get().filter;
				const visible = visibleFor(text);
				set({ filter: text, filterDraft: null, visible, focus: setFocusInside(visible, get().focus) });
			},
			cancelFilter() {
				const visible = visibleFor(get().filter);
				set({ filterDraft: null, visible, focus: setFocusInside(visible, get().focus) });
			},
			clearFilter() {
				set({ filter: '', filterDraft: null, visible: order, focus: setFocusInside(order, get().focus) });
			},
			setPlan: (plan) => set({ plan }),
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
			setRun(run) {
				// Pending engine events first, so the run's final host states land before "finished".
				publish();
				set({ run: { ...get().run, ...run } });
			},
			setTailing(host, tailing) {
				const view = get().hosts[host];
				if (!view) return;
				// Goes through the batch so a queued draft of this host isn't overwritten later.
				const draft = draftOf(host);
				if (draft) draft.tailing = tailing;
				publish();
			},
			forgetGenerations(host) {
				if (pendingGenerations) delete pendingGenerations[host];
				const generations = { ...get().generations };
				delete generations[host];
				set({ generations });
			},
			generationsFailed(host, error) {
				set({ generations: { ...get().generations, [host]: { current: get().generations[host]?.current ?? null, list: get().generations[host]?.list ?? [], error } } });
			},
			dispose() {
				if (timer !== null) clearTimeout(timer);
				timer = null;
			},
		};
	});
	return store;
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
