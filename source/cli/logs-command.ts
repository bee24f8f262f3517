import type { Config, HostConfig } from '../config/types.js';
import type { EmitEvent } from '../engine/events.js';
import { exitCode, exitCodes, type Interruption } from '../engine/outcome/exit-code.js';
import { outcomeWords } from '../engine/outcome/words.js';
import type { OpenTransport } from '../engine/requests.js';
import { runCancellation } from '../engine/run-cancellation.js';
import { runFleet, type FleetRun, type FleetSpec } from '../engine/run-fleet.js';
import { noServiceLogs, tailLogs, type LogsOptions } from '../engine/tail-logs.js';
import { runSinks } from '../record/run-sinks.js';
import { onInterruption } from './interruptions.js';
import type { Output } from './output.js';

export interface LogsContext {
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly openTransport: OpenTransport;
	readonly follow: boolean;
	readonly lines?: number;
	/** Hosts opened at once (default: the config's jobs). */
	readonly jobs?: number;
	readonly stdout: Output;
}

/**
 * `switchyard logs [selection] [-f] [-n N]`: each chosen host's service logs (its `logs`
 * command, as its user), every line prefixed with the host. A run like any other (`runFleet`,
 * kind `logs`, not recorded: it reads), `jobs` hosts opened at a time. Without -f it ends when
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
	const sinks = runSinks(context.config.dir, printLogLines((text) => stdout.write(text)));
	try {
		const summary = await runFleet({ config: context.config, hosts: context.hosts, emit: sinks.emit, openTransport: context.openTransport, jobs: context.jobs, signal: stop.signal }, logsRun(context, stop.signal));
		const why = stdout.closed ? 'output-closed' : interrupted;
		// Ending a follow is what Ctrl-C is for here: not a cancelled run. Any other stop is one
		// (SIGTERM 143, SIGHUP 129), as for every command.
		if (why === 'interrupt' && context.follow) return summary.failed > 0 ? exitCodes.failed : exitCodes.ok;
		return exitCode(summary, why);
	} finally {
		stopListening();
		await sinks.close();
	}
}

/** What `logs` prints of its run: the lines, each after its host, and why a host's logs could not be read. */
function printLogLines(write: (text: string) => void): EmitEvent {
	return (event) => {
		if (event.type === 'log' && event.host !== null) write(`[${event.host}] ${event.line}\n`);
		if (event.type === 'host-done' && event.outcome === 'failed') write(`[${event.host}] ${outcomeWords.failed.mark} ${event.reason ?? outcomeWords.failed.label}\n`);
	};
}

function logsRun(context: LogsContext, stop: AbortSignal): FleetSpec {
	const options: LogsOptions = { follow: context.follow, ...(context.lines === undefined ? {} : { lines: context.lines }), cwd: context.config.dir };
	return {
		kind: 'logs',
		phases: [],
		name: async () => ({ release: 'logs' }),
		async work(run) {
			const reads = new Set<Promise<void>>();
			// A host holds its place among the `jobs` until its logs have been read; a followed log,
			// which never ends, until it streams, or the hosts after the first `jobs` would never show.
			await run.each(run.hosts, (host) =>
				new Promise<void>((opened) => {
					const read = readLogs(run, host, context.openTransport, stop, context.follow ? { ...options, onOpen: opened } : options);
					reads.add(read);
					void read.then(opened, opened);
				}),
			);
			await Promise.all(reads);
		},
	};
}

type LogsHost = FleetRun['hosts'][number];

/** One host's logs as `log` events; it ends ok once read (or stopped while read), failed when they could not be. */
async function readLogs(run: FleetRun, host: LogsHost, openTransport: OpenTransport, stop: AbortSignal, options: LogsOptions): Promise<void> {
	const name = host.host.name;
	if (stop.aborted) return run.end(host, 'cancelled', 'cancelled before this host was reached');
	// Nothing to show is not a failure to read: said, and exit 0.
	const nothing = noServiceLogs(host.host);
	if (nothing) {
		run.emit({ type: 'log', host: name, stream: 'info', line: nothing });
		return run.end(host, 'ok');
	}
	try {
		await tailLogs(host.host, openTransport, (line) => run.emit({ type: 'log', host: name, stream: 'stdout', line }), stop, options);
	} catch (error) {
		// Stopped while reading (Ctrl-C, a closed output): what was read is what there is.
		if (!stop.aborted) return run.fail(host, error);
	}
	return run.end(host, 'ok');
}
