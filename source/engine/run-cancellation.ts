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

/** What one cancel did: the first cancels, the second forces, any later one finds the run already stopping. */
export type CancelStep = 'cancelled' | 'forced' | 'stopping';

/**
 * A run's two cancel switches, as a run's context takes them (`signal`, `force`): the first cancel
 * skips unstarted work and lets switches under way finish; a second stops those too.
 */
export interface RunCancel {
	readonly signal: AbortSignal;
	readonly force: AbortSignal;
	/** Cancels, or forces when cancelled already; `announce` hears which first, before anything stops. */
	cancel(announce?: (step: CancelStep) => void): CancelStep;
}

export function twoStepCancel(): RunCancel {
	const first = runCancellation();
	const second = runCancellation();
	return {
		signal: first.signal,
		force: second.signal,
		cancel(announce) {
			const step: CancelStep = !first.signal.aborted ? 'cancelled' : !second.signal.aborted ? 'forced' : 'stopping';
			announce?.(step);
			if (step === 'cancelled') first.abort();
			if (step === 'forced') second.abort();
			return step;
		},
	};
}
