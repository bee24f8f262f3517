import { failureReason, type RunOptions } from '../host-session.js';
import { afterFirstListing } from '../remote/listing-digest.js';
import { script } from '../remote/quote.js';
import { readSwap } from '../remote/switch.js';
import { readFinished, thenIfOk } from '../remote/then-if-ok.js';
import type { CurrentPart } from './dead-man.js';
import type { Trip } from './trip.js';

/** What the swap's round trip says. */
export type SwapRead =
	/** `current` never moved. */
	| { readonly swapped: false; readonly failure: string }
	/** `current` moved from `from`; `failure` when activation failed after it. `finished`: what a `finish` part printed, when it rode along and ran. */
	| { readonly swapped: true; readonly from: number | null; readonly failure?: string; readonly current?: number | null; readonly finished?: readonly string[] };

export interface SwapParts {
	readonly to: number;
	/** The strategy's switch to `to`: swap `current`, log it, install and restart what the host asks for. */
	readonly switchScript: string;
	/** A rollback's lock and listing, with the guard that stops the script unless the host lists as expected. */
	readonly guard?: string;
	/** The dead-man's parts: armed before the swap, marked activated after it. */
	readonly arm?: string;
	readonly activated?: string;
	/** Run after a good switch in the same round trip (cleanup, the lock's release, a read-back). */
	readonly finish?: string;
	readonly current: CurrentPart;
	readonly options: RunOptions;
	/** A second cancel stopped it: the reason says so rather than what the killed shell printed. */
	stopped(): boolean;
}

/**
 * One round trip: (guard,) (arm the dead-man,) the switch in a subshell (its `cd` and `set -e`
 * stay inside; the activated mark runs only when it succeeded), then `finish` when it is good,
 * or a read of `current`. Never left half-way: the host runs it to its end even if the connection
 * dies (`options.ifDisconnected`).
 */
export function swapTrip(parts: SwapParts): Trip<SwapRead> {
	const swap = script(parts.guard, parts.arm, `( ${parts.switchScript}\n) || exit $?`, parts.activated);
	return {
		script: parts.finish ? thenIfOk(swap, parts.finish) : script(swap, parts.current.script),
		options: parts.options,
		read(result) {
			// A guard's listing is the preflight's: the swap's own markers come after it.
			const markers = parts.guard ? afterFirstListing(result.markers) : result.markers;
			const { swapped, from } = readSwap(markers);
			const why = parts.stopped() ? 'stopped by a second cancel' : failureReason(result);
			if (!swapped) return { swapped: false, failure: `switch to ${parts.to}: ${why}` };
			const current = parts.current.read(markers);
			const read = current === undefined ? { swapped: true as const, from } : { swapped: true as const, from, current };
			if (result.code !== 0) return { ...read, failure: `activating generation ${parts.to}: ${why}` };
			return readFinished(markers) ? { ...read, finished: markers } : read;
		},
	};
}
