import type { HostConfig } from '../config/types.js';
import type { EngineEvent, LockFacts } from '../engine/events.js';
import { pendingGeneration } from '../engine/host-state.js';
import { applyToHost as applyToRecord, emptyHostRecord, type HostRecord, type Mutable } from '../engine/outcome/host-record.js';

/**
 * Everything a tile or table row shows about one host: the run's record of it (the one outcome
 * model) plus what only the screen needs. Published as a fresh object only when something about
 * this host changed, so a tile selecting `hosts[name]` re-renders only for its own host.
 */
export interface HostView extends HostRecord {
	readonly tags: readonly string[];
	readonly transport: 'local' | 'ssh';
	/** When work on this host began in the latest run (not when the run began: queued hosts have no clock). */
	readonly startedAt: number | null;
	/** Time a phase of its own was under way, up to the last one that ended. */
	readonly workedMs: number;
	/** Since when a phase of its own is under way; null while none is (queued, staged and waiting for the question, done). */
	readonly busySince: number | null;
	readonly lastLine: string;
	/** Lines ever appended to this host's log; the log pane re-reads its buffer when it moves. */
	readonly logTotal: number;
	/** True while the host's service logs stream into its pane. */
	readonly tailing: boolean;
	/** A generation staged earlier and never switched to, newer than current (as the host lists it): waiting for a switch. */
	readonly pending: number | null;
	/** Who holds the host's deploy lock, as last read (null: nobody; undefined: not read). */
	readonly lock: LockFacts | null | undefined;
	/** The outcome shown is the last recorded run's (before this console opened), not this session's. */
	readonly recalled: { readonly runId: string; readonly at: string } | null;
}

export type HostDraft = Mutable<HostView>;

export function initialHostView(host: HostConfig): HostView {
	return {
		...emptyHostRecord(host.name),
		tags: host.tags,
		transport: host.transport.kind,
		startedAt: null,
		workedMs: 0,
		busySince: null,
		lastLine: '',
		logTotal: 0,
		tailing: false,
		pending: null,
		lock: undefined,
		recalled: null,
	};
}

/**
 * What a host is doing now: idle (not in the run), queued (nothing of its own started: waiting
 * for a slot or the build), running (a phase of its own under way; at most `jobs` hosts),
 * waiting (started, nothing under way: staged and waiting for the switch question or its wave),
 * done (it has an outcome).
 */
export type HostActivity = 'idle' | 'queued' | 'running' | 'waiting' | 'done';

export function activityOf(host: Pick<HostView, 'progress' | 'busySince'>): HostActivity {
	if (host.progress === 'working') return host.busySince === null ? 'waiting' : 'running';
	return host.progress;
}

/** Is a phase of the host's own under way right now? */
export function isHostBusy(view: Pick<HostView, 'progress' | 'busySince'>): boolean {
	return activityOf(view) === 'running';
}

/** The host's clock: time phases of its own were under way in the latest run; null before it started. */
export function elapsedOf(host: Pick<HostView, 'startedAt' | 'workedMs' | 'busySince'>, now: number): number | null {
	if (host.startedAt === null) return null;
	return host.workedMs + (host.busySince === null ? 0 : Math.max(0, now - host.busySince));
}

/** The outcome model's reading of the event, plus the screen's own clocks. */
export function applyToHost(draft: HostDraft, event: EngineEvent, now: number): void {
	const before = draft.progress;
	applyToRecord(draft, event);
	if (event.type === 'run-started') {
		draft.startedAt = null;
		draft.workedMs = 0;
		draft.busySince = null;
		// From now on the outcome is this run's; the lock it takes or finds is its own to report.
		draft.recalled = null;
		draft.lock = undefined;
	}
	if (event.type === 'generations') draft.pending = pendingGeneration({ current: event.current, generations: event.generations, manifest: null })?.id ?? null;
	if (event.type === 'host-facts') draft.lock = event.lock;
	// A host that ended without ever being worked on (cancelled in the build, skipped) has no clock.
	if (draft.progress === 'working' && before !== 'working') draft.startedAt = now;
	// The clock runs while a phase of the host's own is under way: not while it is queued, nor
	// while it waits, staged, for the operator's answer.
	const busy = draft.progress === 'working' && draft.phases.some((mark) => mark.status === 'running');
	if (busy && draft.busySince === null) draft.busySince = now;
	if (!busy && draft.busySince !== null) {
		draft.workedMs += now - draft.busySince;
		draft.busySince = null;
	}
}
