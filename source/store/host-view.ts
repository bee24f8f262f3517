import type { HostConfig } from '../config/types.js';
import type { EngineEvent, HostOutcome, Phase, PhaseStatus } from '../engine/events.js';

/** One FastDeploy-style step as the tile's checklist shows it. */
export interface StepView {
	readonly name: string;
	readonly state: 'running' | 'success' | 'failure';
	readonly message?: string;
}

/**
 * Everything a tile shows about one host. Published as a fresh object only when something about
 * this host changed, so a tile selecting `hosts[name]` re-renders only for its own host.
 */
export interface HostView {
	readonly name: string;
	readonly tags: readonly string[];
	readonly transport: 'local' | 'ssh';
	readonly current: number | null;
	/** The host has told us its generations (so `current: null` means none, not unknown). */
	readonly listed: boolean;
	readonly target: number | null;
	/** Phases of this host's latest run, in order, with their status. Empty before any run. */
	readonly phases: readonly PhaseMark[];
	readonly startedAt: number | null;
	readonly finishedAt: number | null;
	readonly lastLine: string;
	/** One-line reason of the latest failure (phase or host-done). */
	readonly reason: string | null;
	readonly outcome: HostOutcome | null;
	readonly steps: readonly StepView[];
	/** Lines ever appended to this host's log; the log pane re-reads its buffer when it moves. */
	readonly logTotal: number;
	/** True while `l` streams the host's service logs into its pane. */
	readonly tailing: boolean;
}

export interface PhaseMark {
	readonly phase: Phase;
	readonly status: PhaseStatus;
	readonly ms?: number;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type HostDraft = Mutable<HostView>;

export function initialHostView(host: HostConfig): HostView {
	return {
		name: host.name,
		tags: host.tags,
		transport: host.transport.kind,
		current: null,
		listed: false,
		target: null,
		phases: [],
		startedAt: null,
		finishedAt: null,
		lastLine: '',
		reason: null,
		outcome: null,
		steps: [],
		logTotal: 0,
		tailing: false,
	};
}

/** Is the host doing work in the current run (not finished, some phase not settled)? */
export function isHostBusy(view: HostView): boolean {
	return view.startedAt !== null && view.finishedAt === null;
}

/** Applies one engine event to one host's draft. Log lines are handled by the store (ring buffers). */
export function applyToHost(draft: HostDraft, event: EngineEvent, now: number): void {
	switch (event.type) {
		case 'run-started':
			draft.phases = event.phases.map((phase) => ({ phase, status: 'pending' }));
			draft.startedAt = now;
			draft.finishedAt = null;
			draft.reason = null;
			draft.outcome = null;
			draft.target = null;
			draft.steps = [];
			return;
		case 'phase': {
			const previous = draft.phases.find((mark) => mark.phase === event.phase);
			// A late "skipped" (the engine's sweep of phases it thinks unreported) must not hide a
			// result the host already reported.
			if (event.status === 'skipped' && (previous?.status === 'ok' || previous?.status === 'failed')) return;
			const known = previous !== undefined;
			const mark: PhaseMark = { phase: event.phase, status: event.status, ms: event.ms };
			// A phase the plan didn't list (e.g. rollback's switch + validate) still shows, in phase order.
			draft.phases = known ? draft.phases.map((each) => (each.phase === event.phase ? mark : each)) : [...draft.phases, mark];
			if (event.status === 'failed' && event.reason) draft.reason = `${event.phase}: ${event.reason}`;
			return;
		}
		case 'step': {
			const step: StepView = { name: event.name, state: event.state, message: event.message };
			const index = draft.steps.findIndex((each) => each.name === event.name);
			draft.steps = index === -1 ? [...draft.steps, step] : draft.steps.map((each, at) => (at === index ? step : each));
			if (event.state === 'failure' && event.message) draft.reason = `${event.name}: ${event.message}`;
			return;
		}
		case 'generations':
			draft.current = event.current;
			draft.listed = true;
			return;
		case 'staged':
			draft.current = event.staged.from;
			draft.target = event.staged.to;
			return;
		case 'switched':
			draft.current = event.to;
			draft.target = null;
			return;
		case 'host-done':
			draft.outcome = event.outcome;
			draft.finishedAt = now;
			if (event.reason) draft.reason = event.reason;
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
	if (outcome === 'cancelled') return 'skipped';
	return outcome === 'ok' || outcome === 'staged' ? 'ok' : 'failed';
}
