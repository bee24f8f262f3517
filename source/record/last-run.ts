import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineEvent, EventOf, HostOutcome, Phase } from '../engine/events.js';
import { refusedByLock } from '../engine/lock-holder.js';
import { endingOf, endingRules } from '../engine/outcome/endings.js';
import { isDryRun } from '../engine/outcome/tally.js';
import type { RetrySource } from '../engine/retry.js';
import { listRuns } from './list-runs.js';

/** What a retry needs from a deploy: its release, phases, outcomes and artifact digests. */
export interface RecordedDeploy {
	readonly runId: string;
	readonly release: string;
	readonly phases: readonly Phase[];
	readonly outcomes: Readonly<Record<string, HostOutcome>>;
	/** Artifact digest by host ('' for the shared build). */
	readonly digests: Readonly<Record<string, string>>;
}

/**
 * The hosts a retry of `last` deploys again: those whose ending the rules retry (failed, rolled
 * back, manual, cancelled; only those `within`, when given), with its release, phases and artifact
 * digests; undefined when no such host failed. The console's `R` and headless `deploy --retry` both ask this.
 */
export function retrySource(last: RecordedDeploy, within?: ReadonlySet<string>): RetrySource | undefined {
	const hosts = Object.entries(last.outcomes)
		.filter(([host, outcome]) => endingRules[endingOf('deploy', outcome)].retried && (within === undefined || within.has(host)))
		.map(([host]) => host);
	if (hosts.length === 0) return undefined;
	return { runId: last.runId, release: last.release, phases: last.phases, hosts, digests: last.digests };
}

/**
 * A deploy a retry can take: one that switched hosts or failed some. Not a dry run (it changed
 * nothing), nor a run every host of which was refused by someone else's lock (nothing of it ran);
 * checks, listings and rollbacks are no deploys.
 */
export function isRetryable(started: Pick<EventOf<'run-started'>, 'kind' | 'phases'>, finished: Pick<EventOf<'run-finished'>['summary'], 'outcomes' | 'reasons'>, switched: boolean): boolean {
	if (started.kind !== 'deploy' || isDryRun(started.kind, started.phases)) return false;
	if (switched) return true;
	return Object.entries(finished.outcomes).some(([host, outcome]) => endingRules[endingOf('deploy', outcome)].retried && !refusedByLock(finished.reasons[host]));
}

/**
 * Reads deploys from their events, live (the console, as they happen) or from a record on disk:
 * the same events, the same reading. `last` is the newest deploy that finished and a retry can take.
 */
export class DeployTracker {
	private current: { runId: string; release: string; started: EventOf<'run-started'>; digests: Record<string, string>; switched: boolean } | undefined;
	last: RecordedDeploy | undefined;

	readonly apply = (event: EngineEvent): void => {
		if (event.type === 'run-started') this.current = event.kind === 'deploy' ? { runId: event.runId, release: event.release, started: event, digests: {}, switched: false } : undefined;
		if (!this.current) return;
		if (event.type === 'artifact') this.current.digests[event.host ?? ''] = event.digest;
		if (event.type === 'switched') this.current.switched = true;
		if (event.type === 'run-finished') {
			const { runId, release, started, digests, switched } = this.current;
			if (isRetryable(started, event.summary, switched)) this.last = { runId, release, phases: started.phases, digests, outcomes: event.summary.outcomes };
			this.current = undefined;
		}
	};
}

/** The newest recorded deploy that finished and a retry can take, or undefined. */
export function lastDeploy(configDir: string): RecordedDeploy | undefined {
	for (const run of listRuns(configDir)) {
		if (run.started?.kind !== 'deploy' || !run.finished || isDryRun(run.started.kind, run.started.phases)) continue;
		const tracker = new DeployTracker();
		for (const line of readFileSync(path.join(run.dir, 'events.jsonl'), 'utf8').split('\n')) {
			// Log lines are most of a record and never matter here.
			if (line === '' || line.includes('"type":"log"')) continue;
			tracker.apply(JSON.parse(line) as EngineEvent);
		}
		if (tracker.last) return tracker.last;
	}
	return undefined;
}
