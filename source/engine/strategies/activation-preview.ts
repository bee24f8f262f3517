import path from 'node:path';
import type { Artifact } from '../artifact.js';
import { activation, type Skips } from '../activation.js';
import type { HostConfig } from '../../config/types.js';
import { formatBytes } from '../format-bytes.js';
import { nextGenerationId } from '../host-state.js';
import { fillTemplate } from '../remote/quote.js';
import type { ActivateInput } from '../remote/switch.js';
import { templateValues } from '../template-values.js';
import { previewActivation, readActivationPreview, type ActivationPreview } from '../remote/preview.js';
import type { PreviewInput } from './strategy.js';

/** The read-only script behind the preview of a host's activation (binaries, frontend, runners). */
export function activationPreviewScript(host: HostConfig, skips: Skips): string {
	const plan = activation(host, skips, {});
	return previewActivation({ binaries: plan.binaries, binPrefix: plan.binPrefix, webRoot: plan.frontend?.webRoot, runners: plan.runners });
}

/** File names listed per kind of change before "+N more". */
const namesShown = 8;

/**
 * What `--dry-run` says a switch would do on a host: the generation it would become, each binary
 * (size, changed or not), the frontend's files added/changed/removed, the services restarted
 * (as whom), the runners ended.
 */
export function describeActivation(input: PreviewInput): string[] {
	const { host, skips } = input;
	const read = readActivationPreview(input.result);
	// The templates as the switch would run them: this release, the next generation.
	const values = templateValues(host, { release: input.release, generation: nextGenerationId(input.state) });
	const plan = activation(host, skips, values);
	return [
		becomes(input),
		...rootLine(input),
		...binariesLine(host, input.artifact, read, plan.binaries, skips),
		...frontendLine(host, input.artifact, read, plan.frontend !== undefined, skips),
		...servicesLine(host, plan, skips),
		...runnersLine(host, read, plan.runners, skips),
		...hooksLine(plan),
	];
}

/** "generation 3 (now 2), release …": what a deploy would make of the host. */
export function nextGeneration(input: Pick<PreviewInput, 'state' | 'release'>): string {
	const { state } = input;
	return `generation ${nextGenerationId(state)} (now ${state.current === null ? 'none' : state.current}), release ${input.release}`;
}

const becomes = (input: PreviewInput): string => `would become ${nextGeneration(input)}`;

/** Where the generations go, and why, when the root was not chosen in the config. */
export function rootLine(input: Pick<PreviewInput, 'host' | 'app'>): string[] {
	if (!input.host.rootDefaulted) return [];
	const why = input.app.nameFrom === 'directory' ? `app "${input.app.name}", named after the project's directory` : `[app] name = "${input.app.name}"`;
	return [`root ${input.host.root}: no root set, so /opt/<app> with ${why} (set root = "…" to choose)`];
}

function binariesLine(host: HostConfig, artifact: Artifact | undefined, read: ActivationPreview, binaries: readonly string[], skips: Skips): string[] {
	if (host.binaries.length === 0) return [];
	if (skips.backend) return [`binaries: not installed (--skip-backend)`];
	const files = new Map((artifact?.files ?? []).map((file) => [file.path, file]));
	const each = binaries.map((binary) => {
		const built = files.get(path.posix.join(host.binDir, binary));
		const installed = read.installed.get(binary);
		const size = built ? ` ${formatBytes(built.size)}` : '';
		const now = installed ? `installed: ${formatBytes(installed.bytes)}` : installed === null ? 'not installed yet' : 'unknown';
		const state = !artifact ? `(no artifact to compare; ${now})` : !built ? 'not in the artifact' : installed === undefined ? 'unknown' : installed === null ? 'new' : installed.sha256 === built.sha256 ? 'unchanged' : `changed (was ${formatBytes(installed.bytes)})`;
		return `${binary}${size} ${state}`;
	});
	return [`binaries → ${host.binPrefix} (root-owned, installed as root): ${each.join(' · ')}`];
}

function frontendLine(host: HostConfig, artifact: Artifact | undefined, read: ActivationPreview, synced: boolean, skips: Skips): string[] {
	if (!host.frontend) return [];
	if (skips.frontend) return ['frontend: not synced (--skip-frontend)'];
	if (!synced || !artifact) return [];
	const prefix = `${host.frontendDir}/`;
	const built = new Map(artifact.files.filter((file) => file.path.startsWith(prefix)).map((file) => [file.path.slice(prefix.length), file.sha256]));
	const served = read.webRoot ?? new Map<string, string>();
	const added = [...built.keys()].filter((file) => !served.has(file));
	const changed = [...built.keys()].filter((file) => served.has(file) && served.get(file) !== built.get(file));
	const removed = [...served.keys()].filter((file) => !built.has(file));
	const unchanged = built.size - added.length - changed.length;
	const names = (mark: string, list: readonly string[]) => (list.length === 0 ? [] : [`${mark} ${list.slice(0, namesShown).join(', ')}${list.length > namesShown ? `, +${list.length - namesShown} more` : ''}`]);
	const where = read.webRoot === null ? ' (does not exist yet)' : '';
	return [`frontend → ${host.webRoot}${where}: +${added.length} ~${changed.length} -${removed.length}, ${unchanged} unchanged${added.length + changed.length + removed.length > 0 ? `: ${[...names('+', added), ...names('~', changed), ...names('-', removed)].join('; ')}` : ''}`];
}

/** Each restart as the switch would run it: "restart demo: sh /srv/demo/current/bin/service.sh restart /srv/demo". */
function servicesLine(host: HostConfig, plan: ActivateInput, skips: Skips): string[] {
	if (host.services.length === 0) return [];
	if (skips.services) return ['services: not restarted (--skip-services)'];
	const as = host.user ? ` as ${host.user}` : '';
	return [`services to restart${as}: ${plan.services.join(', ')}`, ...plan.services.map((service) => `  restart ${service}${as}: ${fillTemplate(plan.restart, { ...plan.values, service })}`)];
}

/** The after_switch hooks as they would run, inside the new generation. */
function hooksLine(plan: ActivateInput): string[] {
	return plan.afterSwitch.map((hook) => `after_switch${plan.user ? ` as ${plan.user}` : ''}: ${fillTemplate(hook, plan.values)}`);
}

function runnersLine(host: HostConfig, read: ActivationPreview, runners: readonly string[], skips: Skips): string[] {
	if (host.mode !== 'multi-user') return [];
	if (skips.services) return [];
	if (runners.length === 0) return ['runners to end: none'];
	const each = runners.map((runner) => {
		const count = read.runners.get(runner);
		return `${runner} (${count === undefined ? 'running: unknown' : `${count} running`})`;
	});
	return [`runners to end: ${each.join(', ')}`];
}
