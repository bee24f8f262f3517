import type { Config, HostConfig } from '../config/types.js';
import { exitCodes, interruptingSignals, interruptionOf, type Interruption } from '../engine/outcome/exit-code.js';
import type { OpenTransport } from '../engine/requests.js';
import { noServiceLogs, tailLogs } from '../engine/tail-logs.js';
import type { Output } from './output.js';

export interface LogsContext {
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly openTransport: OpenTransport;
	readonly follow: boolean;
	readonly lines?: number;
	/** One JSON object per line: `{"host","line"}`, `{"host","error"}` or `{"host","note"}`. */
	readonly json?: boolean;
	readonly stdout: Output;
}

type LogsOutput = 'line' | 'error' | 'note';

/** A line of the logs output: prefixed text (`[web-1] …`, `[web-1] ✗ …`), or a JSON object. */
function logsWriter(stdout: Output, json: boolean): (host: string, kind: LogsOutput, text: string) => void {
	if (json) return (host, kind, text) => stdout.write(`${JSON.stringify({ host, [kind]: text })}\n`);
	return (host, kind, text) => stdout.write(`[${host}] ${kind === 'error' ? '✗ ' : ''}${text}\n`);
}

/**
 * `switchyard logs [selection] [-f] [-n N]`: each chosen host's service logs (its `logs`
 * command, as its user), every line prefixed with the host, all hosts at once. Without -f it
 * ends when every host's command has; with -f, Ctrl-C (or a closed output) ends it. Exit 0 when
 * every host's logs could be read (a follow ended by Ctrl-C included), 1 otherwise (`[host] ✗
 * why`); stopped by any other signal, that signal's status as for every command (130, 143, 129).
 */
export async function printLogs(context: LogsContext): Promise<number> {
	const { stdout } = context;
	const write = logsWriter(stdout, context.json === true);
	const stop = new AbortController();
	let interrupted: Interruption | undefined;
	const onSignal = (signal: NodeJS.Signals) => {
		interrupted ??= interruptionOf(signal);
		stop.abort();
	};
	const onClosed = () => stop.abort();
	for (const signal of interruptingSignals) process.on(signal, onSignal);
	stdout.onClosed(onClosed);
	try {
		const results = await Promise.all(
			context.hosts.map(async (host) => {
				// Nothing to show is not a failure to read: said, and exit 0.
				const nothing = noServiceLogs(host);
				if (nothing) {
					write(host.name, 'note', nothing);
					return true;
				}
				try {
					await tailLogs(host, context.openTransport, (line) => write(host.name, 'line', line), stop.signal, {
						follow: context.follow,
						...(context.lines === undefined ? {} : { lines: context.lines }),
						cwd: context.config.dir,
					});
					return true;
				} catch (error) {
					if (stop.signal.aborted) return true;
					write(host.name, 'error', error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
					return false;
				}
			}),
		);
		if (stdout.closed) return exitCodes['output-closed'];
		// Ending a follow is what Ctrl-C is for here: not a cancelled run. Any other stop is one
		// (SIGTERM 143, SIGHUP 129), as for every command.
		if (interrupted && !(interrupted === 'interrupt' && context.follow)) return exitCodes[interrupted];
		return results.every(Boolean) ? exitCodes.ok : exitCodes.failed;
	} finally {
		for (const signal of interruptingSignals) process.off(signal, onSignal);
		stdout.offClosed(onClosed);
	}
}
