import type { HostConfig } from '../config/types.js';
import type { EngineEvent } from '../engine/events.js';
import { applyToHost as applyToRecord, emptyHostRecord, type HostRecord, type Mutable } from '../engine/outcome/host-record.js';

export type { PhaseMark, StepRecord as StepView } from '../engine/outcome/host-record.js';

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
	readonly finishedAt: number | null;
	readonly lastLine: string;
	/** Lines ever appended to this host's log; the log pane re-reads its buffer when it moves. */
	readonly logTotal: number;
	/** True while the host's service logs stream into its pane. */
	readonly tailing: boolean;
}

export type HostDraft = Mutable<HostView>;

export function initialHostView(host: HostConfig): HostView {
	return {
		...emptyHostRecord(host.name),
		tags: host.tags,
		transport: host.transport.kind,
		startedAt: null,
		finishedAt: null,
		lastLine: '',
		logTotal: 0,
		tailing: false,
	};
}

/** Is the host being worked on in the current run (not queued, not finished)? */
export function isHostBusy(view: Pick<HostView, 'progress'>): boolean {
	return view.progress === 'working';
}

/** The outcome model's reading of the event, plus the screen's own clocks. */
export function applyToHost(draft: HostDraft, event: EngineEvent, now: number): void {
	const before = draft.progress;
	applyToRecord(draft, event);
	if (event.type === 'run-started') {
		draft.startedAt = null;
		draft.finishedAt = null;
	}
	if (draft.progress === 'working' && before !== 'working') draft.startedAt = now;
	if (draft.progress === 'done' && before !== 'done') {
		draft.finishedAt = now;
		draft.startedAt ??= now;
	}
}
