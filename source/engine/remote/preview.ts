import path from 'node:path';
import { parseManifest } from '../artifact.js';
import { marker, quote, script } from './quote.js';

/** Markers of the activation preview (`SY:<name> …` and the web root block), read by `readActivationPreview`. */
export const previewMarkers = { installed: 'installed', runner: 'runner', webRoot: 'web-root' } as const;

export interface ActivationPreviewInput {
	readonly binaries: readonly string[];
	readonly binPrefix: string;
	/** Set when the frontend would be synced. */
	readonly webRoot?: string;
	readonly runners: readonly string[];
}

/**
 * What a switch would replace, read without changing anything: the checksum and size of each
 * installed binary, the checksum of every file in the web root, how many of each runner run.
 */
export function previewActivation(input: ActivationPreviewInput): string {
	const binaries = input.binaries.map((binary) => {
		const file = quote(path.posix.join(input.binPrefix, binary));
		return `if [ -f ${file} ]; then echo "${marker}${previewMarkers.installed} ${binary} $(sha256sum < ${file} | cut -d' ' -f1) $(wc -c < ${file})"; else echo "${marker}${previewMarkers.installed} ${binary} -"; fi`;
	});
	const webRoot = input.webRoot && [
		`if [ -d ${quote(input.webRoot)} ]; then`,
		`  echo "${marker}${previewMarkers.webRoot}-begin"; ( cd -- ${quote(input.webRoot)} && find . -type f -print0 | xargs -0 -r sha256sum ) 2>/dev/null || true; echo "${marker}${previewMarkers.webRoot}-end"`,
		'fi',
	];
	const runners = input.runners.map((runner) => `sy_n=$(pgrep -x -c ${quote(runner)} 2>/dev/null) || true; echo "${marker}${previewMarkers.runner} ${runner} \${sy_n:-?}"`);
	return script(binaries, webRoot, runners);
}

export interface ActivationPreview {
	/** Installed binaries by name: checksum and size, or null when there is none. */
	readonly installed: ReadonlyMap<string, { readonly sha256: string; readonly bytes: number } | null>;
	/** Files in the web root (path → sha256), or null when it does not exist yet. */
	readonly webRoot: ReadonlyMap<string, string> | null;
	/** How many processes of each runner run now (undefined: pgrep could not tell). */
	readonly runners: ReadonlyMap<string, number | undefined>;
}

export function readActivationPreview(result: { readonly markers: readonly string[]; readonly blocks: ReadonlyMap<string, readonly string[]> }): ActivationPreview {
	const installed = new Map<string, { sha256: string; bytes: number } | null>();
	const runners = new Map<string, number | undefined>();
	for (const line of result.markers) {
		const [word, name, first, second] = line.split(' ');
		if (name === undefined) continue;
		if (word === previewMarkers.installed) installed.set(name, first && first !== '-' ? { sha256: first, bytes: Number(second ?? 0) } : null);
		if (word === previewMarkers.runner) runners.set(name, first !== undefined && /^\d+$/.test(first) ? Number(first) : undefined);
	}
	const web = result.blocks.get(previewMarkers.webRoot);
	const webRoot = web ? new Map([...parseManifest(web.join('\n'))].map(([file, sha256]) => [file.replace(/^\.\//, ''), sha256])) : null;
	return { installed, webRoot, runners };
}
