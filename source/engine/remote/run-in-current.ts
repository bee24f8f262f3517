import { layout } from './layout.js';
import { quote, script } from './quote.js';

/** Runs an operator-written command (health check, dry_run, logs) from inside a generation. */
export function runInGeneration(root: string, generation: number | 'current', command: string): string {
	const paths = layout(root);
	const dir = generation === 'current' ? paths.current : paths.generation(generation);
	return script(`cd ${dir}`, command);
}

export function servicesActive(services: readonly string[]): string {
	return script(...services.map((service) => `systemctl is-active --quiet ${quote(service)} || { echo ${quote(`${service} is not active`)} >&2; exit 1; }`));
}

/**
 * Runs an operator-written command (dry_run) from the host's root. A dry run changes nothing: on
 * a host with no root yet it runs from `/` instead of creating one.
 */
export function runInRoot(root: string, command: string): string {
	return script(`cd -- ${quote(root)} 2>/dev/null || cd /`, command);
}
