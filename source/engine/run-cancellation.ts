import { setMaxListeners } from 'node:events';

/**
 * The cancel switch of one run. Every command in flight on every host listens to its signal,
 * so a fleet of more than ten hosts is normal use, not the listener leak Node warns about.
 */
export function runCancellation(): AbortController {
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	return controller;
}
