import type { HostConfig } from '../config/types.js';
import { textCleaner } from './clean-output.js';
import { tailServiceLogs } from './remote/service-logs.js';
import { strategyFor } from './strategies/index.js';
import type { OpenTransport } from './requests.js';

/** The command `l` runs on the host. */
export const logsCommand = (host: HostConfig): string => tailServiceLogs({ values: strategyFor(host).templateValues(host, {}), logs: host.logs, services: host.services });

/**
 * Streams the service's logs (`l` in the console) over a connection of its own until the
 * signal aborts; a deploy running at the same time keeps its own connection.
 */
export async function tailLogs(host: HostConfig, openTransport: OpenTransport, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
	const transport = openTransport(host);
	try {
		await transport.connect();
		// Service logs are host output like any other: secrets masked, control characters made visible.
		const clean = textCleaner([host]);
		const result = await transport.exec(logsCommand(host), { onLine: (line) => onLine(clean(line)), signal });
		if (!signal.aborted && result.code !== 0 && result.failure) throw new Error(result.failure);
	} finally {
		await transport.close().catch(() => {});
	}
}
