import { parseManifest, parseModes } from '../artifact.js';
import { visibleControls } from '../clean-output.js';
import { stageFiles } from './stage.js';
import type { GenerationInfo } from '../events.js';
import type { HostState } from '../host-state.js';
import { printStatus, readStatuses, statusFile } from './generation-status.js';
import { layout } from './layout.js';
import { marker, script } from './quote.js';

export const requiredTools = ['tar', 'mkdir', 'ln', 'mv', 'df', 'readlink', 'sha256sum'] as const;

/** Markers of the inspect and listing scripts (`SY:<name> …`), read by `parseHostState` below. */
export const inspectMarkers = { missing: 'missing', current: 'current-id', generation: 'gen', free: 'free', partial: 'partial', manifest: 'manifest', modes: 'modes' } as const;

/**
 * Reads what a host has: free space under the root, the `current` link, every complete
 * generation's metadata and status, and the current generation's manifest. One round trip.
 */
export function inspectHost(root: string): string {
	const paths = layout(root);
	return script(
		'missing=""',
		`for tool in ${requiredTools.join(' ')}; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done`,
		`if [ -n "$missing" ]; then echo "${marker}${inspectMarkers.missing}$missing"; exit 1; fi`,
		listGenerations(root),
		// A root that does not exist yet (first deploy, dry run) is measured where it will be made.
		`sy_df=${paths.root}; while [ ! -d "$sy_df" ] && [ "$sy_df" != / ] && [ "$sy_df" != . ]; do sy_df=$(dirname -- "$sy_df"); done`,
		`df -Pk -- "$sy_df" | { read -r _; read -r _ _ _ free _; echo "${marker}${inspectMarkers.free} $free"; }`,
		`if [ -f ${paths.current}/.switchyard/manifest.sha256 ]; then`,
		`  echo "${marker}${inspectMarkers.manifest}-begin"; cat ${paths.current}/.switchyard/manifest.sha256; echo "${marker}${inspectMarkers.manifest}-end"`,
		'fi',
		`if [ -f ${paths.current}/${stageFiles.modes} ]; then`,
		`  echo "${marker}${inspectMarkers.modes}-begin"; cat ${paths.current}/${stageFiles.modes}; echo "${marker}${inspectMarkers.modes}-end"`,
		'fi',
	);
}

/** The tools the host lacks, when the inspect stopped for them. */
export function readMissingTools(markers: readonly string[]): string[] | undefined {
	const line = markers.find((each) => each.startsWith(`${inspectMarkers.missing} `));
	return line === undefined ? undefined : line.slice(inspectMarkers.missing.length + 1).split(' ').filter(Boolean);
}

/** Prints `SY:current-id <N>` (empty: no current generation). */
export function readCurrent(root: string): string {
	const paths = layout(root);
	return `sy_current=$(readlink ${paths.current} 2>/dev/null || true); printf '%s %s\\n' ${marker}${inspectMarkers.current} "\${sy_current#generations/}"`;
}

/** `current-id` as a number, null when there is none; undefined when the script did not say. */
export function parseCurrent(markers: readonly string[]): number | null | undefined {
	const line = [...markers].reverse().find((each) => each === inspectMarkers.current || each.startsWith(`${inspectMarkers.current} `));
	if (line === undefined) return undefined;
	const value = line.slice(inspectMarkers.current.length).trim();
	return /^\d+$/.test(value) ? Number(value) : null;
}

/** Only the generations (with their status) and `current`: what `switchyard generations` needs. */
export function listGenerations(root: string): string {
	const paths = layout(root);
	return script(
		readCurrent(root),
		`for meta in ${paths.generations}/*/.switchyard/generation.json; do`,
		'  case "$meta" in *.partial/*) continue ;; esac',
		'  [ -f "$meta" ] || continue',
		'  sy_dir=${meta%/.switchyard/generation.json}; sy_id=${sy_dir##*/}',
		// One line each (the stage writes it so): read by the shell, not a process per generation.
		// printf, never echo: dash's echo turns a `\\n` inside the JSON into a line of its own, and
		// a host could print `SY:gen 50 …` that way (the id of a generation is its directory's name).
		`  { IFS= read -r gen || [ -n "$gen" ]; } < "$meta"; printf '%s %s %s\\n' ${marker}${inspectMarkers.generation} "$sy_id" "$gen"`,
		`  ${printStatus('$sy_id', `"$sy_dir/${statusFile}"`)}`,
		'done',
		`for partial in ${paths.generations}/*.partial; do [ -d "$partial" ] && printf '%s %s\\n' ${marker}${inspectMarkers.partial} "\${partial##*/}"; done`,
		'true',
	);
}

/** What `inspectHost` or `listGenerations` printed, as the host's state. */
export function parseHostState(result: { readonly markers: readonly string[]; readonly blocks: ReadonlyMap<string, readonly string[]> }): HostState {
	const current = parseCurrent(result.markers) ?? null;
	const statuses = readStatuses(result.markers);
	let freeKb: number | undefined;
	const generations: GenerationInfo[] = [];
	for (const line of result.markers) {
		const [word, ...rest] = line.split(' ');
		if (word === inspectMarkers.free && /^\d+$/.test(rest[0] ?? '')) freeKb = Number(rest[0]);
		if (word === inspectMarkers.generation && /^\d+$/.test(rest[0] ?? '')) {
			const id = Number(rest[0]);
			const status = statuses.get(id);
			generations.push({ ...parseMetadata(id, rest.slice(1).join(' ')), current: id === current, status: status?.status ?? 'unknown', ...(status?.at ? { statusAt: status.at } : {}), ...(status?.note ? { statusNote: status.note } : {}) });
		}
	}
	generations.sort((a, b) => a.id - b.id);
	const manifest = result.blocks.get(inspectMarkers.manifest);
	const modes = result.blocks.get(inspectMarkers.modes);
	return { current, generations, freeKb, manifest: manifest ? parseManifest(manifest.join('\n')) : null, modes: modes ? parseModes(modes.join('\n')) : null };
}

/** A generation's metadata line; a damaged one still lists the generation, saying so. Its id is the directory's, never the metadata's. */
export function parseMetadata(id: number, text: string): Omit<GenerationInfo, 'current' | 'status'> {
	const unreadable = { id, release: '(metadata unreadable)', created: '', by: '?', bytes: 0, files: 0 };
	let value: Record<string, unknown>;
	try {
		value = JSON.parse(text) as Record<string, unknown>;
	} catch {
		return unreadable;
	}
	if (value === null || typeof value !== 'object') return unreadable;
	// Host-written text: shown on every surface, so it must not carry control characters.
	const text_ = (key: string) => (typeof value[key] === 'string' ? visibleControls(value[key] as string) : undefined);
	const count = (key: string) => (typeof value[key] === 'number' && Number.isFinite(value[key]) ? (value[key] as number) : 0);
	return {
		id,
		release: text_('release') ?? unreadable.release,
		created: text_('created') ?? '',
		by: text_('by') ?? '?',
		...(text_('rev') ? { rev: text_('rev') } : {}),
		bytes: count('bytes'),
		files: count('files'),
	};
}
