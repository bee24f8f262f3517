import { layout } from './layout.js';
import { asUserFunction } from './deploy-user.js';
import { marker, quote, script } from './quote.js';

/** Runs an operator-written command (health check, dry_run, logs) from inside a generation. */
export function runInGeneration(root: string, generation: number | 'current', command: string): string {
	const paths = layout(root);
	const dir = generation === 'current' ? paths.current : paths.generation(generation);
	return script(`cd ${dir}`, command);
}

/** The block a captured command's output is printed in (`SY:captured-begin` … `-end`), read by `readCaptured`. */
const capturedBlock = 'captured';

/**
 * `runInGeneration`, its output (stdout and stderr, in order) printed inside a block instead of
 * streamed as the host's log: the engine shows it labelled as what it is (a health check's output).
 * The exit status is the command's.
 */
export function runCaptured(root: string, generation: number | 'current', command: string): string {
	return script(`echo "${marker}${capturedBlock}-begin"`, `(
${runInGeneration(root, generation, command)}
) 2>&1`, 'sy_rc=$?', `echo "${marker}${capturedBlock}-end"`, 'exit $sy_rc');
}

/** What a `runCaptured` command printed, line by line (as far as it got, when it was stopped). */
export const readCaptured = (result: { readonly blocks: ReadonlyMap<string, readonly string[]> }): readonly string[] => result.blocks.get(capturedBlock) ?? [];

/**
 * `systemctl is-active` for each service; `--user` for systemd user units (Oqto's modes), checked
 * as the deployment's `user` in its session when it has one, as its restarts are done.
 */
export function servicesActive(services: readonly string[], units: { readonly userUnits: boolean; readonly user?: string; readonly become?: string } = { userUnits: false }): string {
	const check = (service: string) => `systemctl${units.userUnits ? ' --user' : ''} is-active --quiet ${quote(service)}`;
	const fail = (service: string) => `{ echo ${quote(`${service} is not active`)} >&2; exit 1; }`;
	if (!units.user) return script(...services.map((service) => `${check(service)} || ${fail(service)}`));
	return script(asUserFunction('sy_as_user', units.user, units), ...services.map((service) => `sy_as_user ${quote(check(service))} || ${fail(service)}`));
}

/**
 * Runs an operator-written command (dry_run) from the host's root. A dry run changes nothing: on
 * a host with no root yet it runs from `/` instead of creating one.
 */
export function runInRoot(root: string, command: string): string {
	return script(`cd -- ${quote(root)} 2>/dev/null || cd /`, command);
}
