import type { EmitEvent, EngineEvent, RunKind } from '../engine/events.js';
import { RunRecorder } from './run-recorder.js';

/** Runs that change hosts are recorded; reading them (generations, check, logs) is not. */
export const recordedKinds: ReadonlySet<RunKind> = new Set(['deploy', 'rollback', 'break-lock']);

export interface RunSinks {
	/** Hands each event to the display (console store or headless printer) and, for recorded runs, the recorder. */
	readonly emit: EmitEvent;
	/** The same fan-out to another display (e.g. one that shows only a run's log lines). */
	through(display: EmitEvent): EmitEvent;
	/** Where the latest recorded run was written. */
	readonly runDir: () => string | undefined;
	/** Flushes and closes the record; await before the process exits. */
	close(): Promise<void>;
}

/**
 * The one fan-out of engine events, the same in the console and headless: every run goes to the
 * display, and every run that changes hosts is recorded under `.switchyard/runs/`.
 */
export function runSinks(configDir: string, display: EmitEvent): RunSinks {
	const recorder = new RunRecorder(configDir);
	let recording = false;
	const through = (show: EmitEvent) => (event: EngineEvent): void => {
		if (event.type === 'run-started') recording = recordedKinds.has(event.kind);
		if (recording) recorder.record(event);
		show(event);
	};
	return { emit: through(display), through, runDir: () => recorder.runDir, close: () => recorder.close() };
}
