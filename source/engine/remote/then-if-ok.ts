import { marker, quote, script } from './quote.js';

/** Printed when the `then` part of `thenIfOk` ran and succeeded. */
export const finishedMarker = `${marker}finished`;

/**
 * `then` after `first` in the same shell, only when `first` succeeded; the exit status stays
 * `first`'s (a failed `then` is only missing its marker, and the caller runs it again on its own).
 */
export function thenIfOk(first: string, then: string): string {
	return script(first, 'sy_status=$?', `if [ "$sy_status" -eq 0 ]; then ( ${then}\n) && echo ${quote(finishedMarker)}; fi`, 'exit "$sy_status"');
}

/** The `then` part of a `thenIfOk` ran and succeeded. */
export const readFinished = (markers: readonly string[]): boolean => markers.includes(finishedMarker.slice(marker.length));
