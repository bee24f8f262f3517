import type { Config, HostConfig } from '../config/types.js';
import type { EmitEvent } from '../engine/events.js';
import { exitCode, exitCodes, type Interruption } from '../engine/outcome/exit-code.js';
import { endingRules } from '../engine/outcome/endings.js';
import { marks } from '../engine/outcome/marks.js';
import type { OpenTransport } from '../engine/requests.js';
import { runCancellation } from '../engine/run-cancellation.js';
import { readFleetLogs } from '../engine/fleet-logs.js';
import { runSinks } from '../record/run-sinks.js';
import { onInterruption } from './interruptions.js';
import type { Output } from './output.js';

export interface LogsContext {
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly openTransport: OpenTransport;
	readonly follow: boolean;
	readonly lines?: number;
	/** Hosts read at once (default: the config's jobs). */
	readonly jobs?: number;
	/** One JSON object per line: `{"host","line"}`, `{"host","error"}` or `{"host","note"}`. */
	readonly json?: boolean;
	readonly stdout: Output;
}

/**
 * `switchyard logs [selection] [-f] [-n N]`: each chosen host's service logs (its `logs`
 * command, as its user), every line prefixed with the host: a run like any other
 * (`readFleetLogs`; not recorded, as it only reads), `jobs` hosts at a time. Without -f it ends when
 * every host's command has; with -f, Ctrl-C (or a closed output) ends it. Exit 0 when every
 * host's logs could be read (a follow ended by Ctrl-C included), 1 otherwise (`[host] ✗ why`);
 * stopped by any other signal, that signal's status as for every command (130, 143, 129).
 */
export async function printLogs(context: LogsContext): Promise<number> {
	const { stdout } = context;
	const stop = runCancellation();
	let interrupted: Interruption | undefined;
	const stopListening = onInterruption((why) => {
		interrupted ??= why;
		stop.abort();
	}, stdout);
	// Through the one fan-out of events, as every run; `logs` is not among the kinds recorded.
	const sinks = runSinks(context.config.dir, printLogLines(logsWriter(stdout, context.json === true)));
	try {
		const summary = await readFleetLogs(
			{ config: context.config, hosts: context.hosts, emit: sinks.emit, openTransport: context.openTransport, jobs: context.jobs, signal: stop.signal },
			{ follow: context.follow, ...(context.lines === undefined ? {} : { lines: context.lines }), cwd: context.config.dir },
		);
		const why = stdout.closed ? 'output-closed' : interrupted;
		// Ending a follow is what Ctrl-C is for here: not a cancelled run. Any other stop is one
		// (SIGTERM 143, SIGHUP 129), as for every command.
		if (why === 'interrupt' && context.follow) return summary.tally.counts.failed > 0 ? exitCodes.failed : exitCodes.ok;
		return exitCode(summary.tally, why);
	} finally {
		stopListening();
		await sinks.close();
	}
}

type LogsOutput = 'line' | 'error' | 'note';

/** A line of the logs output: prefixed text (`[web-1] …`, `[web-1] ✗ …`), or a JSON object. */
function logsWriter(stdout: Output, json: boolean): (host: string, kind: LogsOutput, text: string) => void {
	if (json) return (host, kind, text) => stdout.write(`${JSON.stringify({ host, [kind]: text })}\n`);
	return (host, kind, text) => stdout.write(`[${host}] ${kind === 'error' ? `${marks.failed} ` : ''}${text}\n`);
}

/** What `logs` prints of its run: the lines, each after its host, notes (nothing to show), and why a host's logs could not be read. */
function printLogLines(write: (host: string, kind: LogsOutput, text: string) => void): EmitEvent {
	return (event) => {
		if (event.type === 'log' && event.host !== null) write(event.host, event.stream === 'info' ? 'note' : 'line', event.line);
		if (event.type === 'host-done' && event.outcome === 'failed') write(event.host, 'error', event.reason ?? endingRules.failed.label);
	};
}
