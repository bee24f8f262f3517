import type { HostConfig } from '../config/types.js';
import type { Transport } from '../transport/transport.js';
import { fillTemplate, script } from './remote/quote.js';

/** The host's service log command(s), one per service (or once when it names no service). */
export function logsCommand(host: HostConfig): string {
	const values = { host: host.name, root: host.root, current: `${host.root}/current` };
	const services = host.logs.includes('{service}') ? host.services : [undefined];
	const commands = services.map((service) => fillTemplate(host.logs, { ...values, service }));
	// exec/kill 0: ending the shell must end the tails too, or they outlive the pane.
	if (commands.length === 1) return `exec ${commands[0]}`;
	return script("trap 'kill 0' INT TERM HUP", ...commands.map((command) => `${command} &`), 'wait');
}

/** Streams the service's logs (`l` in the console) until the signal aborts. */
export async function tailLogs(host: HostConfig, transport: Transport, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
	await transport.exec(logsCommand(host), { onLine, signal });
}
