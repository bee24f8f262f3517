import type { HostOutcome } from '../events.js';
import { causeText, type WatchdogCause } from './dead-man.js';

/**
 * How a host's switch ended, as the host said. Each end carries what its outcome is worded from;
 * `from` is where `current` was before the switch (null: nowhere).
 */
export type SwitchEnd =
	/** The new generation is live and stays (validated; confirmed when a watchdog guarded it). `finished`: what the run's `finish` printed when it rode along. */
	| { readonly kind: 'live'; readonly from: number | null; readonly current?: number | null; readonly finished?: readonly string[] }
	/** `current` never moved. */
	| { readonly kind: 'not-swapped'; readonly from: number | null; readonly failure: string }
	/** The engine put the host back on `from`, and it validated. */
	| { readonly kind: 'reverted'; readonly from: number; readonly failure: string }
	/** It failed after moving, and there was nothing to go back to. */
	| { readonly kind: 'no-way-back'; readonly from: null; readonly failure: string }
	/** Going back to `from` failed too: the swap back, the activation of `from`, or `from`'s health check (`failedAt`). */
	| { readonly kind: 'revert-failed'; readonly from: number; readonly failure: string; readonly revertFailure: string; readonly failedAt: RevertFailedAt }
	/** The watchdog put the host back on `from` (`decidedFirst`: before the engine could claim the decision). */
	| { readonly kind: 'watchdog-reverted'; readonly from: number; readonly cause: WatchdogCause; readonly decidedFirst: boolean; readonly exit: number }
	/** A later run took the watchdog's decision: the host is that run's now. */
	| { readonly kind: 'taken-over'; readonly from: number | null; readonly cause: WatchdogCause; readonly by: string }
	/** The watchdog decided, and no revert can be confirmed: `current` is where the host says (undefined: unreadable). */
	| { readonly kind: 'unconfirmed'; readonly from: number | null; readonly cause: WatchdogCause; readonly decidedFirst: boolean; readonly token: string; readonly current?: number | null };

/** Where a way back failed: `current` never moved back, or it did and `from` would not activate or is unhealthy too. */
export type RevertFailedAt = 'swap' | 'activation' | 'health';

/** Said as it happened: the way back itself failed, or the host is back on `from` and `from` fails too. */
const wayBackWords: Readonly<Record<RevertFailedAt, (from: number, why: string) => string>> = {
	swap: (from, why) => `rollback to ${from} failed too (${why})`,
	activation: (from, why) => `switched back to generation ${from}, but activating it failed (${why})`,
	health: (from, why) => `switched back to generation ${from}, and generation ${from} fails its health check too (${why})`,
};

const unreachable = (end: never): never => {
	throw new Error(`unknown switch end ${JSON.stringify(end)}`);
};

const describeCurrent = (current: number | null | undefined): string =>
	current === undefined ? 'its current generation could not be read' : `current is ${current === null ? 'no generation' : `generation ${current}`}`;

/**
 * The one place a switch's end becomes an outcome and its reason. A rollback that had to be
 * undone failed: it did not get the host where the operator asked.
 */
export function switchOutcome(end: SwitchEnd, to: number, as: 'deploy' | 'rollback'): { readonly outcome: HostOutcome; readonly reason?: string } {
	const rolledBack = (reason: string) => ({ outcome: as === 'rollback' ? 'failed' : 'rolled-back', reason }) as const;
	const manual = (reason: string) => ({ outcome: 'manual', reason: `${reason} — manual intervention required` }) as const;
	const why = (cause: WatchdogCause, decidedFirst: boolean) => `${causeText(cause, to)}${decidedFirst ? " (validation and the confirming login took longer than the watchdog's deadline)" : ''}`;
	switch (end.kind) {
		case 'live':
			return { outcome: 'ok' };
		case 'not-swapped':
			return { outcome: 'failed', reason: end.failure };
		case 'reverted':
			return rolledBack(`${end.failure}; rolled back to generation ${end.from}`);
		case 'no-way-back':
			return manual(`${end.failure}; no previous generation to return to`);
		case 'revert-failed':
			return manual(`${end.failure}; ${wayBackWords[end.failedAt](end.from, end.revertFailure)}`);
		case 'watchdog-reverted':
			return rolledBack(`${why(end.cause, end.decidedFirst)}; reverted by watchdog to generation ${end.from}${end.exit === 0 ? '' : ` (its revert exited ${end.exit})`}`);
		case 'taken-over':
			return { outcome: 'manual', reason: `${causeText(end.cause, to)}; the watchdog was taken over (${end.by}) — check the host` };
		case 'unconfirmed':
			return manual(`${why(end.cause, end.decidedFirst)}, and the watchdog's revert (${end.token}) could not be confirmed: ${describeCurrent(end.current)}`);
		default:
			return unreachable(end);
	}
}

/**
 * Where `current` must be after the switch if the host is as the engine believes: on the new
 * generation, or back where it was. Undefined after a manual end: the run claims nothing then.
 */
export function expectedAfter(end: SwitchEnd, to: number): number | null | undefined {
	switch (end.kind) {
		case 'live':
			return to;
		case 'not-swapped':
		case 'reverted':
		case 'watchdog-reverted':
			return end.from;
		case 'no-way-back':
		case 'revert-failed':
		case 'taken-over':
		case 'unconfirmed':
			return undefined;
		default:
			return unreachable(end);
	}
}

/** Where `current` was read at the switch's end (the last round trip's word), when it was. */
export function readAtEnd(end: SwitchEnd): number | null | undefined {
	switch (end.kind) {
		case 'live':
		case 'unconfirmed':
			return end.current;
		case 'watchdog-reverted':
			return end.from;
		case 'not-swapped':
		case 'reverted':
		case 'no-way-back':
		case 'revert-failed':
		case 'taken-over':
			return undefined;
		default:
			return unreachable(end);
	}
}
