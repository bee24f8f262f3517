import type { HostEnding, HostOutcome, RunKind } from '../events.js';
import { marks } from './marks.js';

/** What a colour says, for screens that have colour (the engine knows no terminal: the console maps these). */
export type Tone = 'ok' | 'bad' | 'warn' | 'accent' | 'muted';

/** The exit status an ending asks for; the strongest one among a run's hosts wins (exit-code.ts). */
export type EndingExit = 'failed' | 'interrupt' | 'notSwitched' | 'ok';

export interface EndingRule {
	readonly mark: string;
	/** On a host's own line: its summary line, the end of its log. */
	readonly label: string;
	/** Where room is short: a tile, a table row, the status bar. */
	readonly short: string;
	/** After its count in a tally line: "3 manual intervention". */
	readonly counted: string;
	/** Summaries list these host by host (problems, first); the others are one counted line each. */
	readonly listed: boolean;
	/** A failure: exit status 1, `f` jumps to it. */
	readonly failed: boolean;
	/** A retry (`R`, `deploy --retry`) deploys it again. */
	readonly retried: boolean;
	/** Problems first: lower sorts first (the console's state sort, summaries). */
	readonly rank: number;
	readonly tone: Tone;
	readonly exit: EndingExit;
}

/**
 * How each way a host can end a run is told and counted, in one table: every surface (status
 * bar, tiles, summaries, `runs`, records, exit status, retry) reads it. A new outcome is a row
 * here and its place in `hostEndings` (events.ts).
 */
export const endingRules: Readonly<Record<HostEnding, EndingRule>> = {
	manual: { mark: marks.manual, label: 'MANUAL INTERVENTION REQUIRED', short: 'manual', counted: 'manual intervention', listed: true, failed: true, retried: true, rank: 0, tone: 'bad', exit: 'failed' },
	failed: { mark: marks.failed, label: 'failed', short: 'failed', counted: 'failed', listed: true, failed: true, retried: true, rank: 1, tone: 'bad', exit: 'failed' },
	'rolled-back': { mark: marks.autoRollback, label: 'rolled back', short: 'rolled back', counted: 'rolled back', listed: true, failed: true, retried: true, rank: 2, tone: 'warn', exit: 'failed' },
	staged: { mark: marks.staged, label: 'staged, not switched', short: 'staged', counted: 'staged, not switched', listed: true, failed: false, retried: false, rank: 3, tone: 'accent', exit: 'notSwitched' },
	cancelled: { mark: marks.cancelled, label: 'cancelled', short: 'cancelled', counted: 'cancelled', listed: false, failed: false, retried: true, rank: 4, tone: 'muted', exit: 'interrupt' },
	skipped: { mark: marks.skipped, label: 'skipped', short: 'skipped', counted: 'skipped', listed: false, failed: false, retried: false, rank: 5, tone: 'muted', exit: 'ok' },
	'operator-rollback': { mark: marks.operatorRollback, label: 'rolled back by the operator', short: 'rolled back', counted: 'rolled back by operator', listed: false, failed: false, retried: false, rank: 6, tone: 'ok', exit: 'ok' },
	ok: { mark: marks.ok, label: 'ok', short: 'ok', counted: 'ok', listed: false, failed: false, retried: false, rank: 7, tone: 'ok', exit: 'ok' },
};

/** The tally's bucket of a host: its outcome, read with its run's kind (a rollback that went as asked is the operator's rollback). */
export function endingOf(kind: RunKind | null | undefined, outcome: HostOutcome): HostEnding {
	return kind === 'rollback' && outcome === 'ok' ? 'operator-rollback' : outcome;
}
