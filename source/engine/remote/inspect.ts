import { layout } from './layout.js';
import { marker, script } from './quote.js';

export const requiredTools = ['tar', 'mkdir', 'ln', 'mv', 'df', 'readlink', 'sha256sum'] as const;

/**
 * Reads what a host has: free space under the root, the `current` link, every complete
 * generation's metadata and the current generation's manifest. One round trip; output lines
 * start with `SY:` and are parsed by `parseInspect`.
 */
export function inspectHost(root: string): string {
	const paths = layout(root);
	return script(
		'missing=""',
		`for tool in ${requiredTools.join(' ')}; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done`,
		`if [ -n "$missing" ]; then echo "${marker}missing$missing"; exit 1; fi`,
		listGenerationsFragment(root),
		`df -Pk ${paths.root} | { read -r _; read -r _ _ _ free _; echo "${marker}free $free"; }`,
		`if [ -f ${paths.current}/.switchyard/manifest.sha256 ]; then`,
		`  echo "${marker}manifest-begin"; cat ${paths.current}/.switchyard/manifest.sha256; echo "${marker}manifest-end"`,
		'fi',
	);
}

/** Only the generations and `current`; what `switchyard generations` needs. */
export function listGenerations(root: string): string {
	return listGenerationsFragment(root);
}

function listGenerationsFragment(root: string): string {
	const paths = layout(root);
	return script(
		`echo "${marker}current $(readlink ${paths.current} 2>/dev/null)"`,
		`for meta in ${paths.generations}/*/.switchyard/generation.json; do`,
		'  case "$meta" in *.partial/*) continue ;; esac',
		// One line each (the stage writes it so): read by the shell, not a process per generation.
		`  [ -f "$meta" ] && { IFS= read -r gen || [ -n "$gen" ]; } < "$meta" && echo "${marker}gen $gen"`,
		'done',
		`for partial in ${paths.generations}/*.partial; do [ -d "$partial" ] && echo "${marker}partial \${partial##*/}"; done`,
		'true',
	);
}
