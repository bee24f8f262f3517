import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { EngineEvent, EventOf } from '../engine/events.js';
import { listedState, type HostState } from '../engine/host-state.js';
import { safeRead } from './list-runs.js';
import { runsDir } from './run-recorder.js';

/** How many recent runs are looked through: an older listing is almost surely stale, and its guard would only cost the scan. */
const runsLooked = 10;

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
		for (const line of safeRead(path.join(root, runId, 'events.jsonl')).split('\n')) {
			// Most of a record is log lines; only listings matter here.
			if (!line.includes('"type":"generations"')) continue;
			const event = parse(line);
			if (event?.type === 'generations' && wanted.has(event.host) && !seen.has(event.host)) last.set(event.host, event);
		}
		for (const [host, event] of last) {
			seen.add(host);
			const state = listedState(event);
			if (state) known.set(host, state);
		}
		if (seen.size === wanted.size) break;
	}
	return known;
}

function parse(line: string): EngineEvent | undefined {
	try {
		return JSON.parse(line) as EngineEvent;
	} catch {
		return undefined;
	}
}
