import type { EngineEvent, HostEnding, HostOutcome, Phase, PhaseStatus, RunKind } from '../events.js';
import { endingOf } from './endings.js';

/** One FastDeploy-style step as a host reported it. */
export interface StepRecord {
	readonly name: string;
	readonly state: 'pending' | 'running' | 'success' | 'failure';
	readonly message?: string;
}

export interface PhaseMark {
	readonly phase: Phase;
	readonly status: PhaseStatus;
	readonly ms?: number;
	readonly trips?: number;
}

/** queued: in the run, nothing started for it yet; working: a phase of its own is under way; done: it has an outcome. */
export type HostProgress = 'idle' | 'queued' | 'working' | 'done';

/**
 * What one run says about one host, folded from the event stream. The console's tiles and table,
 * the headless printer's summary and the run record's summary are all read from this.
 */
export interface HostRecord {
	readonly name: string;
	/** Phases of the host's latest run, in plan order, with their status. Empty before any run. */
	readonly phases: readonly PhaseMark[];
	readonly progress: HostProgress;
	/** The kind of the host's latest run. */
	readonly kind: RunKind | null;
	readonly outcome: HostOutcome | null;
	/** How the tally counts it (the outcome read with the run's kind); null until it has an outcome. */
	readonly ending: HostEnding | null;
	/** One-line reason of the latest failure (phase or host-done). */
	readonly reason: string | null;
	/** The generation `current` points to, as the host last said; undefined until it has said. */
	readonly current: number | null | undefined;
	/** The generation being staged or switched to. */
	readonly target: number | null;
	readonly steps: readonly StepRecord[];
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type HostRecordDraft = Mutable<HostRecord>;

export const emptyHostRecord = (name: string): HostRecord => ({
	name,
	phases: [],
	progress: 'idle',
	kind: null,
	outcome: null,
	ending: null,
	reason: null,
	current: undefined,
	target: null,
	steps: [],
});

/** Which hosts an event is about (`null` host: the shared build, so every host of the run). */
export function hostsOfEvent(event: EngineEvent, runHosts: readonly string[]): readonly string[] {
	switch (event.type) {
		case 'run-started':
			return event.hosts;
		case 'staged':
			return [event.staged.host];
		case 'confirm':
			return event.hosts.map((staged) => staged.host);
		case 'run-finished':
		case 'wave':
			return [];
		default:
			return event.host === null ? runHosts : [event.host];
	}
}

/**
 * Applies one event to one host's record, in place (the console batches many events per frame
 * on a draft). Log lines change nothing here: the store keeps them in ring buffers.
 */
export function applyToHost(draft: HostRecordDraft, event: EngineEvent): void {
	switch (event.type) {
		case 'run-started':
			draft.phases = event.phases.map((phase) => ({ phase, status: 'pending' }));
			draft.progress = 'queued';
			draft.kind = event.kind;
			draft.reason = null;
			draft.outcome = null;
			draft.ending = null;
			draft.target = null;
			draft.steps = [];
			return;
		case 'phase': {
			if (event.revert) return;
			if (event.status === 'running' && event.host !== null && draft.progress !== 'done') draft.progress = 'working';
			const previous = draft.phases.find((mark) => mark.phase === event.phase);
			// A late "skipped" (the engine's sweep of phases it thinks unreported) must not hide a
			// result the host already reported.
			if (event.status === 'skipped' && (previous?.status === 'ok' || previous?.status === 'failed')) return;
			const mark: PhaseMark = { phase: event.phase, status: event.status, ...(event.ms === undefined ? {} : { ms: event.ms }), ...(event.trips === undefined ? {} : { trips: event.trips }) };
			// A phase the plan didn't list still shows, in phase order.
			draft.phases = previous ? draft.phases.map((each) => (each.phase === event.phase ? mark : each)) : [...draft.phases, mark];
			if (event.status === 'failed' && event.reason) draft.reason = `${event.phase}: ${event.reason}`;
			return;
		}
		case 'step': {
			const step: StepRecord = { name: event.name, state: event.state, ...(event.message ? { message: event.message } : {}) };
			const index = draft.steps.findIndex((each) => each.name === event.name);
			draft.steps = index === -1 ? [...draft.steps, step] : draft.steps.map((each, at) => (at === index ? step : each));
			if (event.state === 'failure' && event.message) draft.reason = `${event.name}: ${event.message}`;
			return;
		}
		case 'generations':
			draft.current = event.current;
			return;
		case 'staged':
			draft.current = event.staged.from;
			draft.target = event.staged.to;
			return;
		case 'switched':
			draft.current = event.to;
			if (event.to === draft.target) draft.target = null;
			return;
		case 'host-done':
			draft.outcome = event.outcome;
			draft.ending = endingOf(draft.kind, event.outcome);
			draft.progress = 'done';
			if (event.reason) draft.reason = event.reason;
			if (event.current !== undefined) draft.current = event.current;
			// Only a staged host still has somewhere to go.
			if (event.outcome !== 'staged') draft.target = null;
			// Phases never reached stay "pending" otherwise and look like work still to come.
			draft.phases = draft.phases.map((mark) => ({ ...mark, status: settledStatus(mark.status, event.outcome) }));
			return;
		default:
			return;
	}
}

function settledStatus(status: PhaseStatus, outcome: HostOutcome): PhaseStatus {
	if (status === 'pending') return 'skipped';
	if (status !== 'running') return status;
	if (outcome === 'cancelled' || outcome === 'skipped') return 'skipped';
	return outcome === 'ok' || outcome === 'staged' ? 'ok' : 'failed';
}
