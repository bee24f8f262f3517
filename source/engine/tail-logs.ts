import type { HostConfig } from '../config/types.js';
import type { Transport } from '../transport/transport.js';
import { tailServiceLogs } from './remote/service-logs.js';

/** The command `l` runs on the host. */
export const logsCommand = (host: HostConfig): string => tailServiceLogs({ host: host.name, root: host.root, logs: host.logs, services: host.services });

/** Streams the service's logs (`l` in the console) until the signal aborts. */
export async function tailLogs(host: HostConfig, transport: Transport, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
	await transport.exec(logsCommand(host), { onLine, signal });
}
