import { fillTemplate, script, type TemplateValues } from './quote.js';

export interface ServiceLogsInput {
	readonly values: TemplateValues;
	/** The host's `logs` template; {service} runs it once per service. */
	readonly logs: string;
	readonly services: readonly string[];
}

/** The host's service log command(s), one per service (or once when it names no service). */
export function tailServiceLogs(input: ServiceLogsInput): string {
	const values = input.values;
	const services = input.logs.includes('{service}') ? input.services : [undefined];
	const commands = services.map((service) => fillTemplate(input.logs, { ...values, service }));
	// exec/kill 0: ending the shell must end the tails too, or they outlive the pane.
	if (commands.length === 1) return `exec ${commands[0]}`;
	return script("trap 'kill 0' INT TERM HUP", ...commands.map((command) => `${command} &`), 'wait');
}
