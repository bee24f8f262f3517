import { interruptingSignals, interruptionOf, type Interruption } from '../engine/outcome/exit-code.js';

/** An output that says when its reader has gone (cli/output.ts). */
export interface ClosingOutput {
	onClosed(listener: () => void): void;
	offClosed(listener: () => void): void;
}

/**
 * Hands `interrupt` every signal that ends a command from outside (Ctrl-C, SIGTERM, SIGHUP: see
 * `signalInterruptions`) and, given an `output`, its reader going away (`| head`), until the
 * returned function is called. While it listens those signals do not end the process: what they
 * stop (a run, a follow, the console) is `interrupt`'s to decide, so locks are released first.
 */
export function onInterruption(interrupt: (why: Interruption) => void, output?: ClosingOutput): () => void {
	const onSignal = (signal: NodeJS.Signals): void => interrupt(interruptionOf(signal));
	const onClosed = (): void => interrupt('output-closed');
	for (const signal of interruptingSignals) process.on(signal, onSignal);
	output?.onClosed(onClosed);
	return () => {
		for (const signal of interruptingSignals) process.off(signal, onSignal);
		output?.offClosed(onClosed);
	};
}
