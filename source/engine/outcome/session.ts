import type { EngineEvent, HostEnding, RunKind, RunSummary, Tally } from '../events.js';
import { endingOf } from './endings.js';
import { tallyOf } from './tally.js';

/** One host at the end of a run, as summaries list it. */
export interface HostEnd {
	readonly name: string;
	readonly ending: HostEnding;
	readonly reason?: string;
	/** Where `current` is, as the host said at the end (absent: it never said). */
	readonly current?: number | null;
}

/** A run's hosts, each with its ending, reason and where it is. */
export function hostEnds(summary: RunSummary): HostEnd[] {
	return Object.entries(summary.outcomes).map(([name, outcome]) => ({
		name,
		ending: endingOf(summary.kind, outcome),
		...(summary.reasons[name] ? { reason: summary.reasons[name] } : {}),
		...(name in summary.current ? { current: summary.current[name] } : {}),
	}));
}

/** One run of a console session, as the closing summary lists it. */
export interface SessionRun {
	readonly runId: string;
	readonly kind: RunKind;
	readonly release: string;
	readonly summary: RunSummary;
}

/** Runs that move `current`: where a session left each host is what the latest of these says (not a dry run, a check or a lock break). */
const movesCurrent = (run: SessionRun): boolean => (run.kind === 'deploy' || run.kind === 'rollback') && !run.summary.tally.dryRun;

/** Each host as the session's latest run that moved `current` left it, in the order they were first run. */
export function sessionHosts(runs: readonly SessionRun[]): HostEnd[] {
	const latest = new Map<string, HostEnd>();
	for (const run of runs.filter(movesCurrent)) for (const host of hostEnds(run.summary)) latest.set(host.name, host);
	return [...latest.values()];
}

/**
 * The tally of a session: its hosts as it left them, cancelled when its last run was; when no run
 * moved `current` (dry runs, lock breaks), its last run's. No run: null.
 */
export function sessionTally(runs: readonly SessionRun[]): Tally | null {
	const last = runs.at(-1);
	if (!last) return null;
	const hosts = sessionHosts(runs);
	if (hosts.length === 0) return last.summary.tally;
	return tallyOf(
		hosts.map((host) => host.ending),
		{ interrupted: last.summary.tally.interrupted },
	);
}

/** The runs of a console session, folded from their events as they finish. */
export class SessionFold {
	private started = new Map<string, Extract<EngineEvent, { type: 'run-started' }>>();
	readonly runs: SessionRun[] = [];

	readonly apply = (event: EngineEvent): void => {
		if (event.type === 'run-started') this.started.set(event.runId, event);
		if (event.type !== 'run-finished') return;
		const started = this.started.get(event.runId);
		this.started.delete(event.runId);
		this.runs.push({ runId: event.runId, kind: started?.kind ?? event.summary.kind, release: started?.release ?? event.summary.kind, summary: event.summary });
	};
}
