import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineEvent, EventOf, HostOutcome, Phase } from '../engine/events.js';
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
export const retriedOutcomes: ReadonlySet<HostOutcome> = new Set(['failed', 'manual', 'rolled-back', 'cancelled']);

/** The newest recorded deploy that finished, or undefined. */
export function lastDeploy(configDir: string): RecordedDeploy | undefined {
	const run = listRuns(configDir).find((each) => each.started?.kind === 'deploy' && each.finished);
	if (!run?.started || !run.finished) return undefined;
	const digests: Record<string, string> = {};
	for (const line of readFileSync(path.join(run.dir, 'events.jsonl'), 'utf8').split('\n')) {
		if (!line.includes('"type":"artifact"')) continue;
		const event = JSON.parse(line) as EngineEvent;
		if (event.type === 'artifact') digests[(event as EventOf<'artifact'>).host ?? ''] = event.digest;
	}
	return { runId: run.runId, release: run.started.release, phases: run.started.phases, outcomes: run.finished.summary.outcomes, digests };
}
