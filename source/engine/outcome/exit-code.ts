import { hostEndings, type Tally } from '../events.js';
import { endingRules, type EndingExit } from './endings.js';

/** What ended a run early, from outside the engine: a key or signal, or the output going away. */
export type Interruption = 'interrupt' | 'terminate' | 'hangup' | 'output-closed';

/** The signals that cancel a run (or end `switchyard logs`), each with the interruption it is. */
export const signalInterruptions = { SIGINT: 'interrupt', SIGTERM: 'terminate', SIGHUP: 'hangup' } as const satisfies Record<string, Interruption>;

export type InterruptingSignal = keyof typeof signalInterruptions;

/** The signals to listen for, in one place with what they mean. */
export const interruptingSignals = Object.keys(signalInterruptions) as InterruptingSignal[];

/** The interruption a received signal is (one not listened for counts as Ctrl-C). */
export function interruptionOf(signal: NodeJS.Signals): Interruption {
	return signal in signalInterruptions ? signalInterruptions[signal as InterruptingSignal] : 'interrupt';
}

/**
 * Exit statuses, the same for the console and headless (README "Exit status" lists this table).
 * 128 + the signal's number, as shells report it; a closed output pipe is SIGPIPE's.
 */
export const exitCodes = {
	ok: 0,
	failed: 1,
	usage: 2,
	notSwitched: 3,
	interrupt: 130,
	terminate: 143,
	hangup: 129,
	'output-closed': 141,
} as const;

/** Which exit an ending asks for wins when a run's hosts ended differently: a failure over a cancel over hosts left staged. */
const exitStrength: readonly EndingExit[] = ['failed', 'interrupt', 'notSwitched', 'ok'];

/**
 * From the tally, by each ending's rule (endings.ts): 0 every host ended as the run asked (or
 * nothing ran); 1 a host failed, was rolled back or needs manual intervention; 3 nothing failed,
 * but hosts were left staged (confirmation declined, waves stopped). 130/143/129/141: the run was
 * cancelled (Ctrl-C or `c`/`q` in the console, SIGTERM, SIGHUP, a closed output pipe), whatever
 * the hosts had reached.
 */
export function exitCode(tally: Tally | null, interruption?: Interruption): number {
	if (interruption) return exitCodes[interruption];
	if (!tally) return exitCodes.ok;
	// Cancelled from the console (c, q) as headless is by Ctrl-C: whatever the hosts had reached.
	if (tally.interrupted) return exitCodes.interrupt;
	const asked = new Set(hostEndings.filter((ending) => tally.counts[ending] > 0).map((ending) => endingRules[ending].exit));
	return exitCodes[exitStrength.find((exit) => asked.has(exit)) ?? 'ok'];
}
