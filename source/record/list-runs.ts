import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EventOf } from '../engine/events.js';
import { runsDir } from './run-recorder.js';

export interface RunRecord {
	readonly runId: string;
	readonly dir: string;
	readonly started?: EventOf<'run-started'>;
	readonly finished?: EventOf<'run-finished'>;
}

/**
 * Past runs, newest first (by when they started: run ids started within the same second sort by
 * their random part), read from their events.jsonl.
 */
export function listRuns(configDir: string): RunRecord[] {
	const root = runsDir(configDir);
	if (!existsSync(root)) return [];
	const runs: RunRecord[] = readdirSync(root)
		.sort()
		.reverse()
		.map((runId) => {
			const dir = path.join(root, runId);
			const lines = safeRead(path.join(dir, 'events.jsonl')).split('\n').filter(Boolean);
			const parse = (line: string | undefined) => {
				try {
					return line ? JSON.parse(line) : undefined;
				} catch {
					return undefined;
				}
			};
			const first = parse(lines[0]);
			const last = parse(lines.at(-1));
			return { runId, dir, started: first?.type === 'run-started' ? first : undefined, finished: last?.type === 'run-finished' ? last : undefined };
		});
	const startedAt = (run: RunRecord) => run.started?.at ?? '';
	return runs.sort((a, b) => (startedAt(a) === startedAt(b) ? 0 : startedAt(a) < startedAt(b) ? 1 : -1));
}

/** A record file's text; empty when it is missing or unreadable (a run still starting, a damaged record). */
export function safeRead(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}
