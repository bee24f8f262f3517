import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineEvent, HostOutcome, Phase } from '../engine/events.js';
import type { RetrySource } from '../engine/retry.js';
import { listRuns } from './list-runs.js';

/** What a retry needs from the last deploy: its release, phases, outcomes and artifact digests. */
export interface RecordedDeploy {
	readonly runId: string;
	readonly release: string;
	readonly phases: readonly Phase[];
	readonly outcomes: Readonly<Record<string, HostOutcome>>;
	/** Artifact digest by host ('' for the shared build). */
	readonly digests: Readonly<Record<string, string>>;
}

/** Outcomes a retry deploys again. */
const retriedOutcomes: ReadonlySet<HostOutcome> = new Set(['failed', 'manual', 'rolled-back', 'cancelled']);

/**
 * What a retry of `last` deploys again: its failed hosts (only those `within`, when given), with
 * its release, phases and artifact digests; undefined when no such host failed. The console's
 * `R` and headless `deploy --retry` both ask this.
 */
export function retrySource(last: RecordedDeploy, within?: ReadonlySet<string>): RetrySource | undefined {
	const hosts = Object.entries(last.outcomes)
		.filter(([host, outcome]) => retriedOutcomes.has(outcome) && (within === undefined || within.has(host)))
		.map(([host]) => host);
	if (hosts.length === 0) return undefined;
	return { runId: last.runId, release: last.release, phases: last.phases, hosts, digests: last.digests };
}

/**
 * Reads deploys from their events, live (the console, as they happen) or from a record on disk:
 * the same events, the same reading. `last` is the newest deploy that finished.
 */
export class DeployTracker {
	private current: { runId: string; release: string; phases: Phase[]; digests: Record<string, string> } | undefined;
	last: RecordedDeploy | undefined;

	readonly apply = (event: EngineEvent): void => {
		if (event.type === 'run-started') this.current = event.kind === 'deploy' ? { runId: event.runId, release: event.release, phases: event.phases, digests: {} } : undefined;
		if (!this.current) return;
		if (event.type === 'artifact') this.current.digests[event.host ?? ''] = event.digest;
		if (event.type === 'run-finished') {
			this.last = { ...this.current, outcomes: event.summary.outcomes };
			this.current = undefined;
		}
	};
}

/** The newest recorded deploy that finished, or undefined. */
export function lastDeploy(configDir: string): RecordedDeploy | undefined {
	const run = listRuns(configDir).find((each) => each.started?.kind === 'deploy' && each.finished);
	if (!run) return undefined;
	const tracker = new DeployTracker();
	for (const line of readFileSync(path.join(run.dir, 'events.jsonl'), 'utf8').split('\n')) {
		// Log lines are most of a record and never matter here.
		if (line === '' || line.includes('"type":"log"')) continue;
		tracker.apply(JSON.parse(line) as EngineEvent);
	}
	return tracker.last;
}
