import type { EngineEvent, LockFacts, PhaseStatus, RunSummary } from '../engine/events.js';
import { formatBytes } from '../engine/format-bytes.js';
import { hostCount, tallyLine } from '../engine/outcome/tally.js';
import { noGenerationMark, statusMarks } from '../engine/outcome/words.js';

/** What `switchyard check` found on one host. */
export interface CheckRow {
	readonly host: string;
	/** null: not reached yet (or never tried). */
	reachable: boolean | null;
	current?: number | null;
	release?: string;
	lock?: LockFacts | null;
	freeKb?: number;
	health: PhaseStatus | null;
	/** Why the host did not check out. */
	reason?: string;
}

/**
 * `switchyard check` as a table, one row per host (as Kamal's `details`): reachable, current
 * generation, its release, the lock, free disk, health; then what went wrong and who holds a
 * lock, one line each. Folded from the check's events, so `--json` prints the same facts.
 */
export class CheckTable {
	private readonly rows = new Map<string, CheckRow>();
	private summary: RunSummary | undefined;

	readonly apply = (event: EngineEvent): void => {
		if (event.type === 'run-started') for (const host of event.hosts) this.rows.set(host, { host, reachable: null, health: null });
		if (event.type === 'run-finished') this.summary = event.summary;
		if (!('host' in event) || event.host === null) return;
		const row = this.rows.get(event.host);
		if (!row) return;
		switch (event.type) {
			case 'phase':
				if (event.phase === 'preflight' && (event.status === 'ok' || event.status === 'failed')) row.reachable = event.status === 'ok';
				if (event.phase === 'validate' && event.status !== 'running' && event.status !== 'pending') row.health = event.status;
				if (event.status === 'failed' && event.reason) row.reason = `${event.phase}: ${event.reason}`;
				return;
			case 'generations':
				row.current = event.current;
				row.release = event.generations.find((generation) => generation.id === event.current)?.release;
				return;
			case 'host-facts':
				row.lock = event.lock;
				if (event.freeKb !== undefined) row.freeKb = event.freeKb;
				return;
			case 'host-done':
				if (row.reachable === null && event.outcome !== 'ok') row.reachable = false;
				if (event.outcome !== 'ok' && event.reason) row.reason = event.reason;
				return;
			default:
				return;
		}
	};

	text(): string {
		const rows = [...this.rows.values()];
		const cells = rows.map((row) => [
			row.host,
			row.reachable === null ? '?' : row.reachable ? statusMarks.ok : statusMarks.failed,
			row.current === undefined ? '?' : row.current === null ? noGenerationMark : `gen ${row.current}`,
			row.release ?? (row.current === null ? '' : '?'),
			row.lock === undefined ? '?' : row.lock === null ? statusMarks.skipped : `${row.lock.operator ?? 'held'}${row.lock.stale ? ' (stale)' : ''}`,
			row.freeKb === undefined ? '?' : formatBytes(row.freeKb * 1024),
			row.health === null ? statusMarks.skipped : row.health === 'ok' ? statusMarks.ok : row.health === 'failed' ? statusMarks.failed : statusMarks.skipped,
		]);
		const header = ['HOST', 'REACHABLE', 'CURRENT', 'RELEASE', 'LOCK', 'DISK FREE', 'HEALTH'];
		const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => [...row[column]!].length)));
		const line = (row: readonly string[]) => row.map((cell, column) => cell + ' '.repeat(Math.max(0, widths[column]! - [...cell].length))).join('  ').trimEnd();
		const notes = rows.flatMap((row) => [
			...(row.reason ? [`${statusMarks.failed} ${row.host}: ${row.reason}`] : []),
			...(row.lock ? [`  ${row.host} lock: ${row.lock.reason}`] : []),
		]);
		return [line(header), ...cells.map(line), ...(notes.length > 0 ? ['', ...notes] : []), ...(this.summary ? ['', `check: ${tallyLine(this.summary.tally)} (${hostCount(this.summary.tally.total)})`] : [])].join('\n');
	}
}
