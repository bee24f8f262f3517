import type { HostSession, RunOptions, ScriptResult } from '../host-session.js';

/**
 * One round trip as data: the script (its parts joined), how it runs, and the reader of what it
 * printed. Built by pure functions beside their readers; `send` is the only thing that talks.
 */
export interface Trip<T> {
	readonly script: string;
	readonly options?: RunOptions;
	read(result: ScriptResult): T;
}

export async function send<T>(session: HostSession, trip: Trip<T>): Promise<T> {
	return trip.read(await session.run(trip.script, trip.options));
}
