import type { Config, HostConfig } from '../config/types.js';
import { exitCodes } from '../engine/outcome/exit-code.js';
import type { OpenTransport } from '../engine/requests.js';
import { tailLogs } from '../engine/tail-logs.js';
import type { Output } from './output.js';

export interface LogsContext {
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly openTransport: OpenTransport;
	readonly follow: boolean;
	readonly lines?: number;
	readonly stdout: Output;
}

/**
 * `switchyard logs [selection] [-f] [-n N]`: each chosen host's service logs (its `logs`
 * command, as its user), every line prefixed with the host, all hosts at once. Without -f it
 * ends when every host's command has; with -f, Ctrl-C (or a closed output) ends it. Exit 0 when
 * every host's logs could be read, 1 otherwise (`[host] ✗ why`).
 */
export async function printLogs(context: LogsContext): Promise<number> {
	const { stdout } = context;
	const stop = new AbortController();
	let interrupted = false;
	const onSignal = () => {
		interrupted = true;
		stop.abort();
	};
	const onClosed = () => stop.abort();
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
	stdout.onClosed(onClosed);
	try {
		const results = await Promise.all(
			context.hosts.map(async (host) => {
				if (host.logs.includes('{service}') && host.services.length === 0) {
					stdout.write(`[${host.name}] no services to show the logs of (services = [])\n`);
					return true;
				}
				try {
					await tailLogs(host, context.openTransport, (line) => stdout.write(`[${host.name}] ${line}\n`), stop.signal, {
						follow: context.follow,
						...(context.lines === undefined ? {} : { lines: context.lines }),
						cwd: context.config.dir,
					});
					return true;
				} catch (error) {
					if (stop.signal.aborted) return true;
					stdout.write(`[${host.name}] ✗ ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
					return false;
				}
			}),
		);
		if (stdout.closed) return exitCodes['output-closed'];
		// Ending a follow is what Ctrl-C is for here: not a cancelled run.
		if (interrupted && !context.follow) return exitCodes.interrupt;
		return results.every(Boolean) ? exitCodes.ok : exitCodes.failed;
	} finally {
		for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
		stdout.offClosed(onClosed);
	}
}
