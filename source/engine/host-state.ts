import { parseManifest } from './artifact.js';
import type { GenerationInfo } from './events.js';
import type { ScriptResult } from './host-session.js';
import type { GenerationMetadata } from './generation-archive.js';

/** What a host reported about itself (see `remote/inspect.ts`). */
export interface HostState {
	readonly current: number | null;
	readonly generations: readonly GenerationInfo[];
	readonly freeKb?: number;
	/** Manifest of the current generation, path → sha256. */
	readonly manifest: ReadonlyMap<string, string> | null;
}

export function parseHostState(result: Pick<ScriptResult, 'markers' | 'blocks'>): HostState {
	let current: number | null = null;
	let freeKb: number | undefined;
	const generations: GenerationInfo[] = [];
	for (const line of result.markers) {
		const [word, ...rest] = line.split(' ');
		const value = rest.join(' ');
		if (word === 'current') current = /^generations\/(\d+)$/.exec(value)?.[1] ? Number(value.split('/')[1]) : null;
		if (word === 'free' && /^\d+$/.test(value)) freeKb = Number(value);
		if (word === 'gen') {
			const metadata = parseMetadata(value);
			if (metadata) generations.push({ id: metadata.id, release: metadata.release, created: metadata.created, by: metadata.by, rev: metadata.rev, bytes: metadata.bytes, files: metadata.files, current: false });
		}
	}
	generations.sort((a, b) => a.id - b.id);
	const manifest = result.blocks.get('manifest');
	return {
		current,
		generations: generations.map((generation) => ({ ...generation, current: generation.id === current })),
		freeKb,
		manifest: manifest ? parseManifest(manifest.join('\n')) : null,
	};
}

function parseMetadata(text: string): GenerationMetadata | undefined {
	try {
		const value = JSON.parse(text) as GenerationMetadata;
		return typeof value.id === 'number' && typeof value.release === 'string' ? value : undefined;
	} catch {
		return undefined;
	}
}

export const nextGenerationId = (state: HostState): number => Math.max(0, ...state.generations.map((generation) => generation.id)) + 1;
