import type { GenerationStatus, SwitchReason } from '../events.js';
import { markGenerationStatus } from './generation-status.js';
import { currentTarget, layout } from './layout.js';
import { asUserFunction } from './deploy-user.js';
import { becomeFunction, type Become } from './become.js';
import { fillTemplate, marker, quote, script, type TemplateValues } from './quote.js';

/** Printed once `current` has moved: `SY:swapped <from>` (`-` when there was none). */
export const swappedMarker = 'swapped';

/** What a switch makes of the generation it leaves, by why it switches (a deploy leaves a good one behind). */
export const leftBehindStatus: Record<SwitchReason, GenerationStatus | undefined> = {
	deploy: undefined,
	rollback: 'rolled-back-from',
	'auto-rollback': 'failed',
	'watchdog-revert': 'reverted',
};

/** Did the host move? And from where (null: it had no current generation). */
export function readSwap(markers: readonly string[]): { readonly swapped: boolean; readonly from: number | null } {
	const line = markers.find((each) => each.startsWith(`${swappedMarker} `));
	const from = line?.slice(swappedMarker.length + 1);
	return { swapped: line !== undefined, from: from && /^\d+$/.test(from) ? Number(from) : null };
}

export interface SwitchInput {
	readonly root: string;
	readonly to: number;
	readonly operator: string;
	readonly reason: SwitchReason;
	readonly release: string;
	/** ISO time written to switches.log (taken on the operator's machine, like every run time). */
	readonly at: string;
	/** For an auto-rollback: what failed about the generation left behind ("validation", "activation"). */
	readonly failedBy?: string;
}

/**
 * Points `current` at generation `to`: a new link under a temporary name renamed over the old
 * one (rename is atomic; `ln -sfn` is not), then one line appended to switches.log. Prints
 * `SY:swapped <from>` once the rename has happened, so the engine knows whether to undo.
 */
export function swapCurrent(input: SwitchInput): string {
	const paths = layout(input.root);
	const link = `${paths.root}/.current.$$`;
	const leftBehind = leftBehindStatus[input.reason];
	const generation = (id: string) => `${paths.generations}/"${id}"`;
	return script(
		'set -e',
		`if [ ! -f ${paths.generation(input.to)}/.switchyard/generation.json ]; then echo "generation ${input.to} does not exist or is incomplete" >&2; exit 1; fi`,
		`from=$(readlink ${paths.current} 2>/dev/null || true)`,
		'from=${from#generations/}',
		`if [ -e ${link} ] || [ -L ${link} ]; then rm -f ${link}; fi`,
		`ln -s ${currentTarget(input.to)} ${link}`,
		`mv -T ${link} ${paths.current}`,
		`printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' ${quote(input.at)} ${quote(input.operator)} "\${from:--}" ${input.to} ${input.reason} ${quote(input.release)} >> ${paths.switchesLog}`,
		`printf '%s %s\\n' ${marker}${swappedMarker} "\${from:--}"`,
		leftBehind && `if [ -n "$from" ] && [ "$from" != ${input.to} ]; then ${markGenerationStatus(generation('$from'), leftBehind, input.at, input.failedBy)}; fi`,
		markGenerationStatus(generation(String(input.to)), 'live', input.at),
	);
}

export interface ActivateInput extends Become {
	readonly root: string;
	readonly host: string;
	readonly binaries: readonly string[];
	readonly binDir: string;
	readonly binPrefix: string;
	readonly frontend?: { readonly dir: string; readonly webRoot: string };
	readonly services: readonly string[];
	readonly restart: string;
	readonly runners: readonly string[];
	readonly afterSwitch: readonly string[];
	/** What {host}, {root}, {current}, {release}… stand for in restart and after_switch. */
	readonly values: TemplateValues;
	/** The deployment's OS user: restarts and after_switch hooks run as it, in its systemd session. */
	readonly user?: string;
}

/** Prints one line as it is (no `echo` escapes), e.g. what a step is about to run. */
const say = (text: string): string => `printf '%s\\n' ${quote(text)}`;

/**
 * What a host asks for once `current` has moved: binaries installed, frontend replaced,
 * services restarted, per-user runners ended so they respawn, after_switch hooks. Runs from
 * inside `current`; privileged steps run as root through `sy_become` (become.ts): as they are
 * when the login is root, else the host's way in (`sudo -n` unless it names another).
 * Every step says what it does in the host's log, with its commands as they run (templates
 * filled in): each restart and hook before it starts (so a hung one is named), each install and
 * the frontend sync once done, and the way in it took.
 */
export function activateCurrent(input: ActivateInput): string {
	const paths = layout(input.root);
	const values = input.values;
	const step = (name: string) => `echo ${quote(`${marker}step ${name}`)}`;
	// As the deployment's user when there is one: its user units, its files.
	const asUser = input.user !== undefined && (input.services.length > 0 || input.afterSwitch.length > 0);
	const run = (command: string) => (asUser ? `sy_as_user ${quote(command)}` : command);
	const as = asUser ? ` as ${input.user}` : '';
	return script(
		'set -e',
		`cd ${paths.current}`,
		asUser && asUserFunction('sy_as_user', input.user!, input),
		(input.binaries.length > 0 || input.frontend !== undefined || input.runners.length > 0) && becomeFunction(input),
		input.binaries.length > 0 && [
			step('install binaries'),
			`mkdir -p ${quote(input.binPrefix)} 2>/dev/null || sy_become root mkdir -p ${quote(input.binPrefix)}`,
			...input.binaries.map((binary) => {
				const [from, to] = [quote(`${input.binDir}/${binary}`), quote(`${input.binPrefix}/${binary}`)];
				return `sy_become root install -m 0755 ${from} ${to}; printf 'installed %s → %s (install -m 0755%s)\\n' ${from} ${to} "\${sy_way:+, through $sy_way}"`;
			}),
		],
		input.frontend && [
			step('sync frontend'),
			`sy_become root mkdir -p ${quote(input.frontend.webRoot)}`,
			`sy_become root find ${quote(input.frontend.webRoot)} -mindepth 1 -delete`,
			`sy_become root cp -R ${quote(`${input.frontend.dir}/.`)} ${quote(`${input.frontend.webRoot}/`)}`,
			`sy_n=$(find ${quote(input.frontend.webRoot)} -type f 2>/dev/null | wc -l | tr -d ' '); sy_s=s; [ "$sy_n" != 1 ] || sy_s=`,
			`printf 'frontend synced: %s/ → %s (emptied, then cp -R%s: %s file%s)\\n' ${quote(input.frontend.dir)} ${quote(input.frontend.webRoot)} "\${sy_way:+, through $sy_way}" "$sy_n" "$sy_s"`,
		],
		input.services.length > 0 && [
			step('restart services'),
			...input.services.flatMap((service) => {
				const command = fillTemplate(input.restart, { ...values, service });
				return [say(`restart ${service}${as}: ${command}`), run(command)];
			}),
		],
		input.runners.length > 0 && [
			step('end per-user runners'),
			// Every user's: they respawn with the new binary. How many is said, so a run shows it did.
			...input.runners.map((runner) => `sy_n=$(pgrep -x -c ${quote(runner)} 2>/dev/null) || true; sy_become root pkill -x ${quote(runner)} || true; echo "ended \${sy_n:-0} ${runner} process(es)"`),
		],
		input.afterSwitch.length > 0 && [
			step('after_switch hooks'),
			...input.afterSwitch.flatMap((hook) => {
				const command = fillTemplate(hook, values);
				return [say(`after_switch${as}: ${command}`), run(command)];
			}),
		],
	);
}
