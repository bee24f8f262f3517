import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineEvent, HostOutcome, RunKind } from '../engine/events.js';
import type { PhaseMark } from '../engine/outcome/host-record.js';
import { RunFold } from '../engine/outcome/run-record.js';
import { runsDir } from './run-recorder.js';

/** What the newest recorded run that worked on a host says of it: the console shows this at once on opening. */
export interface KnownHost {
	readonly runId: string;
	readonly kind: RunKind;
	readonly release: string;
	/** When that run ended (or, unfinished, began). */
	readonly at: string;
	readonly outcome: HostOutcome;
	readonly reason: string | null;
	/** Where `current` was at the end of that run, as the host said; undefined when it never said. */
	readonly current: number | null | undefined;
	/** A generation left staged by that run, waiting for a switch. */
	readonly target: number | null;
	readonly phases: readonly PhaseMark[];
}

/** Records looked through at most: a host not in the newest ones is left to the hosts' own read. */
const runsLooked = 20;

/** Runs that say where a host stands: a deploy that staged or switched, a rollback (a dry run or a lock break says nothing of it). */
function tellsWhereHostsStand(event: Extract<EngineEvent, { type: 'run-started' }>): boolean {
	if (event.kind === 'rollback') return true;
	return event.kind === 'deploy' && (event.phases.includes('upload') || event.phases.includes('switch'));
}

/**
 * Each of `hosts`' last known outcome and generation, from the newest run records under
 * `.switchyard/runs` (newest first, at most `runsLooked`, stopping once every host is found).
 * Read asynchronously, log lines skipped unparsed, so it never holds up the console's first
 * frame; `signal` gives up between records (the console closing).
 */
export async function lastKnownHosts(configDir: string, hosts: readonly string[], signal?: AbortSignal): Promise<Map<string, KnownHost>> {
	const wanted = new Set(hosts);
	const known = new Map<string, KnownHost>();
	const root = runsDir(configDir);
	let runIds: string[];
	try {
		runIds = (await readdir(root)).sort().reverse().slice(0, runsLooked);
	} catch {
		return known;
	}
	for (const runId of runIds) {
		if (signal?.aborted || known.size === wanted.size) break;
		let text: string;
		try {
			text = await readFile(path.join(root, runId, 'events.jsonl'), 'utf8');
		} catch {
			continue;
		}
		const fold = new RunFold();
		let started: Extract<EngineEvent, { type: 'run-started' }> | undefined;
		let finishedAt: string | undefined;
		for (const line of text.split('\n')) {
			// Log lines are most of a record and never change a host's outcome.
			if (line === '' || line.includes('"type":"log"')) continue;
			let event: EngineEvent & { at?: string };
			try {
				event = JSON.parse(line) as EngineEvent & { at?: string };
			} catch {
				continue;
			}
			if (event.type === 'run-started') started = event;
			if (event.type === 'run-finished') finishedAt = event.at;
			fold.apply(event);
		}
		if (!started || !tellsWhereHostsStand(started)) continue;
		for (const name of started.hosts) {
			const host = fold.host(name);
			if (!wanted.has(name) || known.has(name) || host.outcome === null) continue;
			known.set(name, { runId, kind: started.kind, release: started.release, at: finishedAt ?? started.at, outcome: host.outcome, reason: host.reason, current: host.current, target: host.target, phases: host.phases });
		}
	}
	return known;
}
