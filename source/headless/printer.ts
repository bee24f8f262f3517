import type { EngineEvent } from '../engine/events.js';
import { formatEvent } from './format-event.js';

/** Headless output: prefixed lines, or one JSON event per line with --json. */
export function createPrinter(write: (text: string) => void, json: boolean): (event: EngineEvent) => void {
	if (json) return (event) => write(`${JSON.stringify(event)}\n`);
	return (event) => {
		for (const line of formatEvent(event)) write(`${line}\n`);
	};
}
