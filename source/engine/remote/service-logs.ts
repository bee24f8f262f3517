import { asUserFunction } from './deploy-user.js';
import type { Become } from './become.js';
import { fillTemplate, quote, script, type TemplateValues } from './quote.js';

export interface ServiceLogsInput extends Become {
	readonly values: TemplateValues;
	/** The host's `logs` template; {service} runs it once per service. */
	readonly logs: string;
	readonly services: readonly string[];
	/** Keep following (the console's tail, `switchyard logs -f`), or print the last lines and end. */
	readonly follow: boolean;
	/** How many earlier lines each command shows; unset: what the template says (50 for `{lines}`). */
	readonly lines?: number;
	/** The deployment's user: its journal (`journalctl --user`) is read as that user. */
	readonly user?: string;
}

/** Lines shown when a template has `{lines}` and none were asked for. */
export const defaultLines = 50;

/**
 * A `logs` template with `{follow}` and `{lines}` in place. Templates written without them (the
 * defaults, `journalctl -u x -f -n 50`, `tail -n 0 -f log`) are read the same way: a `-f` or
 * `--follow` word is `{follow}`, `-n N` is `-n {lines}` with N as its default.
 */
export function logsTemplate(template: string, follow: boolean, lines?: number): string {
	let text = template;
	let fallback = defaultLines;
	if (!text.includes('{follow}')) text = text.replace(/(^|\s)(?:-f|--follow)(?=\s|$)/g, '$1{follow}');
	if (!text.includes('{lines}')) {
		text = text.replace(/(^|\s)-n\s*(\d+)(?=\s|$)/, (_whole, space: string, count: string) => {
			fallback = Number(count);
			return `${space}-n {lines}`;
		});
	}
	return text.replace(/[ \t]*\{follow\}/g, follow ? ' -f' : '').replaceAll('{lines}', String(lines ?? fallback));
}

/** The host's service log command(s), one per service (or once when it names no service). */
export function tailServiceLogs(input: ServiceLogsInput): string {
	const values = input.values;
	const template = logsTemplate(input.logs, input.follow, input.lines);
	const services = input.logs.includes('{service}') ? input.services : [undefined];
	const commands = services.map((service) => fillTemplate(template, { ...values, service }));
	// exec/kill 0: ending the shell must end the tails too, or they outlive the pane.
	if (commands.length === 1 && input.user === undefined) return `exec ${commands[0]}`;
	const run = (command: string) => (input.user === undefined ? command : `sy_as_user ${quote(command)}`);
	// Each tail's status is waited for: a bare `wait` says 0 whatever they said (a user's logs that
	// could not be read, `no way in`, ended `switchyard logs` with 0).
	return script(
		input.user !== undefined && asUserFunction('sy_as_user', input.user, input),
		"trap 'kill 0' INT TERM HUP",
		'sy_tails=',
		...commands.map((command) => `${run(command)} & sy_tails="$sy_tails $!"`),
		'sy_status=0; for sy_tail in $sy_tails; do wait "$sy_tail" || sy_status=$?; done; exit $sy_status',
	);
}
