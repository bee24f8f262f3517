import type { HostConfig } from '../config/types.js';
import { textCleaner } from './clean-output.js';
import { failureReason } from './host-session.js';
import { tailServiceLogs } from './remote/service-logs.js';
import { needsResolving, resolveValues } from './secrets.js';
import { strategyFor } from './strategies/index.js';
import type { OpenTransport } from './requests.js';

export interface LogsOptions {
	/** Keep following until the signal aborts (the default), or show the last lines and end. */
	readonly follow?: boolean;
	readonly lines?: number;
	/** Where secrets from this machine are looked up, to mask them (default: this process's environment). */
	readonly cwd?: string;
	readonly env?: Readonly<Record<string, string | undefined>>;
	/** Called once the host is connected and its logs command is on its way: from then on the log streams. */
	readonly onOpen?: () => void;
}

/**
 * Why the host has no service logs to show, or null when it has: a `logs` template run once per
 * service (`{service}`) on a host with none would run nothing and print nothing.
 */
export function noServiceLogs(host: HostConfig): string | null {
	return host.logs.includes('{service}') && host.services.length === 0 ? 'no services to show the logs of (services = [])' : null;
}

/** The command the console's tail (and `switchyard logs`) runs on the host. */
export const logsCommand = (host: HostConfig, options: Pick<LogsOptions, 'follow' | 'lines'> = {}): string =>
	tailServiceLogs({ values: strategyFor(host).templateValues(host, {}), logs: host.logs, services: host.services, follow: options.follow ?? true, ...(options.lines === undefined ? {} : { lines: options.lines }), ...(host.user === undefined ? {} : { user: host.user }), ...(host.become === undefined ? {} : { become: host.become }) });

/**
 * Streams the service's logs (the console's tail, `switchyard logs`) over a connection of its own
 * until the command ends or the signal aborts; a deploy running at the same time keeps its own
 * connection. Lines are host output like any other: secrets masked (those from this machine
 * too, fetched for it), control characters made visible. A host with nothing to show
 * (`noServiceLogs`) is refused with that reason before anything is opened.
 */
export async function tailLogs(host: HostConfig, openTransport: OpenTransport, onLine: (line: string) => void, signal: AbortSignal, options: LogsOptions = {}): Promise<void> {
	const nothing = noServiceLogs(host);
	if (nothing) throw new Error(nothing);
	const transport = openTransport(host);
	try {
		const [resolved] = await Promise.all([
			needsResolving([host]) ? resolveValues([host], { cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env, signal }) : undefined,
			transport.connect(),
		]);
		const clean = textCleaner(resolved ? resolved.hosts : [host]);
		options.onOpen?.();
		const result = await transport.exec(logsCommand(host, options), { onLine: (line) => onLine(clean(line)), signal });
		if (!signal.aborted && result.code !== 0) throw new Error(clean(failureReason(result)));
	} finally {
		await transport.close().catch(() => {});
	}
}
