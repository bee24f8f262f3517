import type { HostConfig } from '../config/types.js';
import type { EngineEvent, GenerationInfo, RunKind, RunSummary } from '../engine/events.js';
import { endingOf } from '../engine/outcome/endings.js';
import { hostsOfEvent } from '../engine/outcome/host-record.js';
import { isDryRun } from '../engine/outcome/tally.js';
import { eventHost, eventWording, recalledLine, waitsForItsWave } from '../engine/outcome/words.js';
import type { KnownHost } from '../record/last-known.js';
import { applyToHost, initialHostView, type HostDraft, type HostView } from './host-view.js';
import { RingBuffer } from './ring-buffer.js';

export interface LogLine {
	/** null: the shared build, before hosts diverge. */
	readonly host: string | null;
	readonly stream: 'stdout' | 'stderr' | 'info' | 'service';
	readonly text: string;
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
 * The hot half of the console's store: what the engine says, arriving hundreds of lines a
 * second. Lines go into per-host ring buffers outside the store as they come; host views, the
 * run and the generations read back are drafted and published in one batch per interval, with
 * a version bump, so React looks again a few times a second however fast hosts talk.
 */
export interface HotData {
	readonly hosts: Readonly<Record<string, HostView>>;
	readonly run: RunView;
	readonly generations: Readonly<Record<string, HostGenerations>>;
	/** Bumped with every published batch of engine events. */
	readonly version: number;
	/** Lines ever appended to the all-hosts log. */
	readonly allLogTotal: number;
}

export interface HotActions {
	/** Queue an engine event; it becomes visible with the next batch (≤ one per publish interval). */
	ingest(event: EngineEvent): void;
	/** Queue a line for a host's log pane (service logs from the console's tail key). */
	appendLog(host: string, stream: LogLine['stream'], text: string): void;
	/** Publish queued events now (tests, end of a run). */
	flush(): void;
	logOf(host: string): RingBuffer<LogLine>;
	allLogs(): RingBuffer<LogLine>;
	setRun(run: Partial<RunView>): void;
	setTailing(host: string, tailing: boolean): void;
	/** Drops a host's known generations, so a list being reloaded never shows stale rows. */
	forgetGenerations(host: string): void;
	generationsFailed(host: string, error: string): void;
	/**
	 * What the run records last said of each host (outcome, reason, phases, generation), for
	 * hosts this console has not run anything on yet: shown until something newer is known.
	 */
	recall(known: ReadonlyMap<string, KnownHost>): void;
	dispose(): void;
}

export type HotSlice = HotData & HotActions;

export interface HotSliceOptions {
	readonly hosts: readonly HostConfig[];
	/** Lines kept per host; the all-hosts log keeps four times as many. */
	readonly logCapacity: number;
	/** Engine events are published at most once per this many ms. */
	readonly publishIntervalMs: number;
	readonly now: () => number;
}

/** The hot slice over the store's `set` and `get`: it reads and writes only its own half. */
export function createHotSlice(options: HotSliceOptions): (set: (patch: Partial<HotData>) => void, get: () => HotData) => HotSlice {
	const { now, publishIntervalMs: interval, logCapacity: capacity } = options;
	const order = options.hosts.map((host) => host.name);
	// Hot data lives here, outside the store: ring buffers are mutated in place and only a
	// version number tells React to look again.
	const logs = new Map(order.map((name) => [name, new RingBuffer<LogLine>(capacity)]));
	const allLogs = new RingBuffer<LogLine>(capacity * 4);
	const dirty = new Map<string, HostDraft>();
	let pendingRun: Partial<RunView> | null = null;
	let pendingGenerations: Record<string, HostGenerations> | null = null;
	let runHosts: readonly string[] = [];
	let timer: ReturnType<typeof setTimeout> | null = null;

	return (set, get) => {
		// Every event reads in the log panes as headless prints it and the run record keeps it.
		const words = eventWording();

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
			const patch: Partial<HotData> = {
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

		return {
			hosts: Object.fromEntries(options.hosts.map((host) => [host.name, initialHostView(host)])),
			run: { state: 'idle', kind: null, runId: null, release: null, hosts: [], dryRun: false, summary: null, leftOut: [] },
			generations: {},
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
				if (event.type === 'confirm' && event.answer && event.plan) {
					// A host of a later wave says so, rather than look confirmed and idle.
					for (const [index, wave] of event.plan.waves.entries()) for (const text of index === 0 ? lines : [waitsForItsWave(index + 1)]) pushLine({ host: null, stream: 'info', text }, wave);
				} else {
					const shownTo = event.type === 'wave' ? event.hosts : targets;
					for (const text of lines) pushLine({ host: eventHost(event) ?? null, stream: 'info', text }, shownTo);
				}
				schedule();
			},

			appendLog(host, stream, text) {
				pushLine({ host, stream, text }, [host]);
				schedule();
			},

			flush: publish,
			logOf: (host) => logs.get(host) ?? new RingBuffer<LogLine>(1),
			allLogs: () => allLogs,

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
			recall(known) {
				for (const [name, last] of known) {
					const draft = draftOf(name);
					// This session's own word about a host beats the record's.
					if (!draft || draft.progress !== 'idle' || draft.outcome !== null) continue;
					draft.kind = last.kind;
					draft.outcome = last.outcome;
					draft.ending = endingOf(last.kind, last.outcome);
					draft.reason = last.reason;
					draft.phases = last.phases;
					draft.target = last.target;
					draft.progress = 'done';
					if (draft.current === undefined && last.current !== undefined) draft.current = last.current;
					draft.recalled = { runId: last.runId, at: last.at };
					if (draft.lastLine === '') draft.lastLine = recalledLine(last);
				}
				publish();
			},
			generationsFailed(host, error) {
				set({ generations: { ...get().generations, [host]: { current: get().generations[host]?.current ?? null, list: get().generations[host]?.list ?? [], error } } });
			},
			dispose() {
				if (timer !== null) clearTimeout(timer);
				timer = null;
			},
		};
	};
}
