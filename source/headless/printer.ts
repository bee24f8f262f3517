import type { EngineEvent } from '../engine/events.js';
import { eventHost, eventWording, type SummaryOptions } from '../engine/outcome/words.js';

/** Headless output: each event's lines (words.ts) prefixed by host (`[alpha]`, `[build]`), or one JSON event per line with --json. */
export function createPrinter(write: (text: string) => void, json: boolean, options: SummaryOptions = {}): (event: EngineEvent) => void {
	if (json) return (event) => write(`${JSON.stringify(event)}\n`);
	const words = eventWording(options);
	return (event) => {
		const host = eventHost(event);
		const prefix = host === undefined ? '' : `[${host ?? 'build'}] `;
		for (const line of words(event)) write(`${prefix}${line}\n`);
	};
}
