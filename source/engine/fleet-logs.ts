import type { RunSummary } from './events.js';
import type { RunContext } from './requests.js';
import { runFleet, type FleetRun } from './run-fleet.js';
import { noServiceLogs, tailLogs, type LogsOptions } from './tail-logs.js';

/**
 * Every host's service logs (`switchyard logs`) as one run of kind `logs`: each line a `log`
 * event of its host, `jobs` hosts read at a time. A host ends ok once its logs were read (or
 * stopped while read: cancelling ends a follow), failed when they could not be. A host holds its
 * place among the `jobs` until its logs have been read; a followed log, which never ends, only
 * until it streams, or the hosts after the first `jobs` would never show.
 */
export function readFleetLogs(context: RunContext, options: Omit<LogsOptions, 'onOpen'>): Promise<RunSummary> {
	const stop = context.signal ?? new AbortController().signal;
	return runFleet(context, {
		kind: 'logs',
		phases: [],
		name: async () => ({ release: 'logs' }),
		async work(run) {
			const reads = new Set<Promise<void>>();
			await run.each(run.hosts, (host) =>
				new Promise<void>((opened) => {
					const read = readHostLogs(run, host, context, stop, options.follow ? { ...options, onOpen: opened } : options);
					reads.add(read);
					void read.then(opened, opened);
				}),
			);
			await Promise.all(reads);
		},
	});
}

type LogsHost = FleetRun['hosts'][number];

async function readHostLogs(run: FleetRun, host: LogsHost, context: RunContext, stop: AbortSignal, options: LogsOptions): Promise<void> {
	const name = host.host.name;
	if (stop.aborted) return run.end(host, 'cancelled', 'cancelled before this host was reached');
	// Nothing to show is not a failure to read: said, and the host is ok.
	const nothing = noServiceLogs(host.host);
	if (nothing) {
		run.emit({ type: 'log', host: name, stream: 'info', line: nothing });
		return run.end(host, 'ok');
	}
	try {
		await tailLogs(host.host, context.openTransport, (line) => run.emit({ type: 'log', host: name, stream: 'stdout', line }), stop, options);
	} catch (error) {
		// Stopped while reading: what was read is what there is.
		if (!stop.aborted) return run.fail(host, error);
	}
	return run.end(host, 'ok');
}
