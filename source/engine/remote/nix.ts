import path from 'node:path';
import type { GenerationInfo, GenerationStatus, SwitchReason } from '../events.js';
import type { HostState } from '../host-state.js';
import { markStatus, printStatus, readStatuses } from './generation-status.js';
import { leftBehindStatus, swappedMarker } from './switch.js';
import { layout } from './layout.js';
import { inspectMarkers, parseMetadata } from './inspect.js';
import { visibleControls } from '../clean-output.js';
import { marker, quote, script } from './quote.js';
import { stageMarkers } from './stage.js';

/** Markers of the nix scripts, read by the parsers below. */
export const nixMarkers = { generation: 'nixgen', closurePresent: 'closure-present', closureLive: 'closure-live', staged: 'nix-staged', current: inspectMarkers.current } as const;

/** The profile's generation number, read from its link (`system -> system-12-link`). */
const generationOf = (profile: string) => `$(readlink ${quote(profile)} 2>/dev/null | sed -n 's/.*-\\([0-9][0-9]*\\)-link$/\\1/p')`;

/** Where Switchyard keeps what nix does not: each generation's metadata and status, and a closure staged for later. */
const files = (root: string) => {
	const dir = path.posix.join(root, 'nix-generations');
	return { dir: quote(dir), metadata: (id: string) => `${quote(dir)}/"${id}".json`, status: (id: string) => `${quote(dir)}/"${id}".status`, staged: quote(`${dir}/staged.json`) };
};

/**
 * What a nix host has: its profile's generations (`nix-env --list-generations`), the metadata and
 * status Switchyard recorded for each, a closure staged earlier, free space in /nix/store and
 * whether `storePath` (the closure to deploy) is already there.
 */
export function inspectNixHost(root: string, profile: string, storePath?: string): string {
	return script(
		`if ! command -v nix-env >/dev/null 2>&1; then echo "${marker}${inspectMarkers.missing} nix-env"; exit 1; fi`,
		listNixGenerations(root, profile),
		`echo "${marker}${inspectMarkers.free} $(df -Pk /nix/store 2>/dev/null | awk 'NR==2 {print $4}')"`,
		storePath && `if nix-store --check-validity ${quote(storePath)} >/dev/null 2>&1; then echo "${marker}${nixMarkers.closurePresent}"; fi`,
		// nix-env --set to the profile's own path makes no new generation: the engine must know.
		storePath && `if [ "$(readlink -f ${quote(profile)} 2>/dev/null)" = ${quote(storePath)} ]; then echo "${marker}${nixMarkers.closureLive}"; fi`,
	);
}

export function listNixGenerations(root: string, profile: string): string {
	const where = files(root);
	return script(
		readNixCurrent(profile),
		`nix-env -p ${quote(profile)} --list-generations 2>/dev/null | while IFS= read -r line; do printf '%s %s\\n' ${marker}${nixMarkers.generation} "$line"; done`,
		`for meta in ${where.dir}/*.json; do`,
		'  [ -f "$meta" ] || continue',
		'  sy_id=${meta##*/}; sy_id=${sy_id%.json}',
		`  case "$sy_id" in staged) { printf '${marker}${nixMarkers.staged} '; tr -d '\\n' < "$meta"; echo; }; continue ;; *[!0-9]*) continue ;; esac`,
		`  printf '${marker}${inspectMarkers.generation} %s ' "$sy_id"; tr -d '\\n' < "$meta"; echo`,
		`  ${printStatus('$sy_id', '"${meta%.json}.status"')}`,
		'done',
		'true',
	);
}

export const readNixCurrent = (profile: string): string => `echo "${marker}${nixMarkers.current} ${generationOf(profile)}"`;

/** `   3   2026-11-21 23:40:00   (current)` lines, joined with Switchyard's metadata and statuses by id. */
export function parseNixState(result: { readonly markers: readonly string[] }): HostState {
	const statuses = readStatuses(result.markers);
	const recorded = new Map<number, Omit<GenerationInfo, 'current' | 'status'>>();
	let stagedPath: HostState['stagedPath'];
	let freeKb: number | undefined;
	for (const line of result.markers) {
		const [word, ...rest] = line.split(' ');
		if (word === inspectMarkers.generation && /^\d+$/.test(rest[0] ?? '')) recorded.set(Number(rest[0]), parseMetadata(Number(rest[0]), rest.slice(1).join(' ')));
		if (word === inspectMarkers.free && /^\d+$/.test(rest[0] ?? '')) freeKb = Number(rest[0]);
		if (word === nixMarkers.staged) {
			try {
				const staged = JSON.parse(rest.join(' ')) as { path?: unknown; release?: unknown };
				if (typeof staged.path === 'string' && typeof staged.release === 'string') stagedPath = { path: staged.path, release: visibleControls(staged.release) };
			} catch {
				// A damaged record stages nothing.
			}
		}
	}
	let current: number | null = null;
	const generations: GenerationInfo[] = [];
	for (const line of result.markers) {
		const match = new RegExp(`^${nixMarkers.generation}\\s+(\\d+)\\s+(\\S+ \\S+)\\s*(\\(current\\))?`).exec(line);
		if (!match) continue;
		const id = Number(match[1]);
		if (match[3]) current = id;
		const meta = recorded.get(id);
		const status = statuses.get(id);
		generations.push({
			id,
			release: meta?.release ?? `nix generation ${id}`,
			created: meta?.created || `${match[2]!.replace(' ', 'T')}`,
			by: meta?.by ?? '?',
			bytes: 0,
			files: 0,
			current: Boolean(match[3]),
			status: status?.status ?? 'unknown',
			...(status?.at ? { statusAt: status.at } : {}),
			...(status?.note ? { statusNote: status.note } : {}),
		});
	}
	return { current, generations, freeKb, manifest: null, closurePresent: closurePresent(result.markers), alreadyLive: result.markers.includes(nixMarkers.closureLive), ...(stagedPath ? { stagedPath } : {}) };
}

export const closurePresent = (markers: readonly string[]): boolean => markers.includes(nixMarkers.closurePresent);

/** Run on this machine: the closure of a store path as one stream, for the staging script on the host. */
export const exportClosure = (storePath: string): string => `nix-store --export $(nix-store -qR ${quote(storePath)})`;

/** pantherOS's "test configuration" step. */
export const dryActivate = (storePath: string): string => `${quote(storePath)}/bin/switch-to-configuration dry-activate`;

/** Is the closure already on the host? */
export const checkStorePath = (storePath: string): string => `nix-store --check-validity ${quote(storePath)}`;

/** Reads a closure exported with `nix-store --export` from stdin. */
export const importClosure = (): string => 'nix-store --import >/dev/null';

/**
 * The nix staging step: says `SY:ready`, then reads `import|skip <id> <store path>` and, for
 * import, the exported closure from stdin; records the closure as staged (switch later) and
 * prints `SY:staged <id>`. Anything else on the header line stages nothing.
 */
export function stageNix(root: string, operator: string, release: string, at: string): string {
	const where = files(root);
	return script(
		`echo "${marker}${stageMarkers.ready}"`,
		'IFS=" " read -r sy_what sy_id sy_path || sy_what=',
		`case "$sy_what" in import|skip) ;; *) echo "${marker}${stageMarkers.skipped}"; exit 0 ;; esac`,
		'set -e',
		'if [ "$sy_what" = import ]; then nix-store --import >/dev/null; fi',
		'nix-store --check-validity "$sy_path" >/dev/null',
		`mkdir -p ${where.dir}`,
		`printf '{"path":"%s","release":"%s","created":"%s","by":"%s"}\\n' "$sy_path" ${quote(release)} ${quote(at)} ${quote(operator)} > ${where.staged}`,
		`echo "${marker}${stageMarkers.staged} $sy_id"`,
	);
}

/** The engine's answer to `stageNix`: copy the closure (it follows on stdin) or not, then record it. */
export const nixStageHeader = (id: number, storePath: string, present: boolean): string => `${present ? 'skip' : 'import'} ${id} ${storePath}\n`;

export interface NixSwitchInput {
	readonly root: string;
	readonly profile: string;
	readonly to: number;
	/** Set for a new generation: `nix-env --set`; otherwise `--switch-generation to`. */
	readonly path?: string;
	readonly reason: SwitchReason;
	readonly release: string;
	readonly operator: string;
	readonly at: string;
	readonly host: string;
	readonly afterSwitch: readonly string[];
	readonly failedBy?: string;
}

/**
 * `nix-env -p <profile> --set <path>` (or `--switch-generation N` for a rollback), the switch
 * recorded (switches.log, metadata, statuses), then `<profile>/bin/switch-to-configuration switch`.
 */
export function switchNixProfile(input: NixSwitchInput): string {
	const paths = layout(input.root);
	const profile = quote(input.profile);
	const where = files(input.root);
	const leftBehind = leftBehindStatus[input.reason];
	const mark = (id: string, status: GenerationStatus, note?: string) => markStatus(where.status(id), where.dir, status, input.at, note);
	return script(
		'set -e',
		`mkdir -p ${paths.root} ${where.dir} ${quote(path.posix.dirname(input.profile))}`,
		`from=${generationOf(input.profile)}`,
		input.path ? `nix-env -p ${profile} --set ${quote(input.path)}` : `nix-env -p ${profile} --switch-generation ${input.to}`,
		`now=${generationOf(input.profile)}`,
		input.path && `printf '{"id":%s,"release":"%s","created":"%s","by":"%s","host":"%s","path":"%s","files":0,"bytes":0}\\n' "$now" ${quote(input.release)} ${quote(input.at)} ${quote(input.operator)} ${quote(input.host)} "$(readlink -f ${profile})" > ${where.metadata('$now')}`,
		input.path && `if [ -f ${where.staged} ] && grep -qF ${quote(`"path":"${input.path}"`)} ${where.staged}; then rm -f ${where.staged}; fi`,
		`printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' ${quote(input.at)} ${quote(input.operator)} "\${from:--}" "$now" ${input.reason} ${quote(input.release)} >> ${paths.switchesLog}`,
		`echo "${marker}${swappedMarker} \${from:--}"`,
		leftBehind && `if [ -n "$from" ] && [ "$from" != "$now" ]; then ${mark('$from', leftBehind, input.failedBy)}; fi`,
		mark('$now', 'live'),
		`${profile}/bin/switch-to-configuration switch`,
		...input.afterSwitch,
	);
}

export const deleteNixGenerations = (profile: string, ids: readonly number[]): string =>
	ids.length === 0 ? 'true' : `nix-env -p ${quote(profile)} --delete-generations ${ids.join(' ')}`;

/** Sets a nix generation's status (e.g. declined is never one: a declined closure is only `staged.json`). */
export const markNixStatus = (root: string, id: number, status: GenerationStatus, at: string): string => markStatus(files(root).status(String(id)), files(root).dir, status, at);
