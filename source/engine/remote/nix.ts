import path from 'node:path';
import type { SwitchReason } from '../events.js';
import { layout } from './layout.js';
import { marker, quote, script } from './quote.js';

/** The profile's generation number, read from its link (`system -> system-12-link`). */
const generationOf = (profile: string) => `$(readlink ${quote(profile)} 2>/dev/null | sed -n 's/.*-\\([0-9][0-9]*\\)-link$/\\1/p')`;

/**
 * What a nix host has: its profile's generations (`nix-env --list-generations`), the metadata
 * Switchyard recorded for each (release, who) and free space in /nix/store.
 */
export function inspectNixHost(root: string, profile: string): string {
	return script(
		`if ! command -v nix-env >/dev/null 2>&1; then echo "${marker}missing nix-env"; exit 1; fi`,
		listNixGenerations(root, profile),
		`echo "${marker}free $(df -Pk /nix/store 2>/dev/null | awk 'NR==2 {print $4}')"`,
	);
}

export function listNixGenerations(root: string, profile: string): string {
	const metadata = quote(path.posix.join(root, 'nix-generations'));
	return script(
		`nix-env -p ${quote(profile)} --list-generations 2>/dev/null | while IFS= read -r line; do echo "${marker}nixgen $line"; done`,
		`for meta in ${metadata}/*.json; do [ -f "$meta" ] && { printf '${marker}gen '; tr -d '\\n' < "$meta"; echo; }; done`,
		'true',
	);
}

/** Is the closure already on the host? (Same store, or copied before.) */
export const checkStorePath = (storePath: string): string => `nix-store --check-validity ${quote(storePath)}`;

/** Run on this machine: the closure of a store path as one stream, for `importClosure` on the host. */
export const exportClosure = (storePath: string): string => `nix-store --export $(nix-store -qR ${quote(storePath)})`;

/** Reads a closure exported with `nix-store --export` from stdin. */
export const importClosure = (): string => 'nix-store --import >/dev/null';

/** pantherOS's "test configuration" step. */
export const dryActivate = (storePath: string): string => `${quote(storePath)}/bin/switch-to-configuration dry-activate`;

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
}

/**
 * `nix-env -p <profile> --set <path>` (or `--switch-generation N` for a rollback), the switch
 * recorded, then `<profile>/bin/switch-to-configuration switch`.
 */
export function switchNixProfile(input: NixSwitchInput): string {
	const paths = layout(input.root);
	const profile = quote(input.profile);
	const metadata = quote(path.posix.join(input.root, 'nix-generations'));
	const record = (id: string) =>
		`printf '{"id":%s,"release":"%s","created":"%s","by":"%s","host":"%s","path":"%s","files":0,"bytes":0}\\n' "${id}" ${quote(input.release)} ${quote(input.at)} ${quote(input.operator)} ${quote(input.host)} "$(readlink -f ${profile})" > ${metadata}/"${id}".json`;
	return script(
		'set -e',
		`mkdir -p ${paths.root} ${metadata} ${quote(path.posix.dirname(input.profile))}`,
		`from=${generationOf(input.profile)}`,
		input.path ? `nix-env -p ${profile} --set ${quote(input.path)}` : `nix-env -p ${profile} --switch-generation ${input.to}`,
		`now=${generationOf(input.profile)}`,
		input.path && record('$now'),
		`printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' ${quote(input.at)} ${quote(input.operator)} "\${from:--}" "$now" ${input.reason} ${quote(input.release)} >> ${paths.switchesLog}`,
		`echo "${marker}swapped \${from:--}"`,
		`${profile}/bin/switch-to-configuration switch`,
		...input.afterSwitch,
	);
}

export const deleteNixGenerations = (profile: string, ids: readonly number[]): string =>
	ids.length === 0 ? 'true' : `nix-env -p ${quote(profile)} --delete-generations ${ids.join(' ')}`;
