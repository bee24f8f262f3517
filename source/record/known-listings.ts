import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineEvent, EventOf } from '../engine/events.js';
import type { HostState } from '../engine/host-state.js';
import { runsDir } from './run-recorder.js';

/** How many recent runs are looked through: an older listing is almost surely stale, and its guard would only cost the scan. */
const runsLooked = 10;

/** A `generations` event as the state it lists; undefined when the engine derived it (no digest: not read back). */
export function stateOf(event: EventOf<'generations'>): HostState | undefined {
	if (event.digest === undefined) return undefined;
	return { current: event.current, generations: event.generations, manifest: null, digest: event.digest };
}

/**
 * What the newest recorded runs last read back of each of `hosts` (a rollback then needs no
 * listing of its own; a host that changed since is only asked again). A host whose last recorded
 * listing was derived, not read back, has none.
 */
export function knownListings(configDir: string, hosts: readonly string[]): Map<string, HostState> {
	const wanted = new Set(hosts);
	const seen = new Set<string>();
	const known = new Map<string, HostState>();
	// Newest first by name (run ids begin with their start time): only these records are read.
	const root = runsDir(configDir);
	const newest = existsSync(root) ? readdirSync(root).sort().reverse().slice(0, runsLooked) : [];
	for (const runId of newest) {
		const last = new Map<string, EventOf<'generations'>>();
		for (const line of readLines(path.join(root, runId, 'events.jsonl'))) {
			// Most of a record is log lines; only listings matter here.
			if (!line.includes('"type":"generations"')) continue;
			const event = parse(line);
			if (event?.type === 'generations' && wanted.has(event.host) && !seen.has(event.host)) last.set(event.host, event);
		}
		for (const [host, event] of last) {
			seen.add(host);
			const state = stateOf(event);
			if (state) known.set(host, state);
		}
		if (seen.size === wanted.size) break;
	}
	return known;
}

function readLines(file: string): string[] {
	try {
		return readFileSync(file, 'utf8').split('\n');
	} catch {
		return [];
	}
}

function parse(line: string): EngineEvent | undefined {
	try {
		return JSON.parse(line) as EngineEvent;
	} catch {
		return undefined;
	}
}
