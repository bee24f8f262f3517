import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { statusLine } from './remote/generation-status.js';
import { stageFiles } from './remote/stage.js';
import type { GenerationStatus } from './events.js';
import { keptContent, manifestText, modesText, withoutShared, type Artifact } from './artifact.js';

export interface GenerationMetadata {
	readonly id: number;
	readonly release: string;
	readonly created: string;
	readonly by: string;
	readonly rev?: string;
	readonly host: string;
	readonly files: number;
	readonly bytes: number;
}

export interface ArchiveInput {
	readonly artifact: Artifact;
	readonly metadata: GenerationMetadata;
	readonly env: string;
	/** Files not sent because the host already has them in the generation it links from. */
	readonly unchanged: ReadonlySet<string>;
	/** The host's shared dirs: what the artifact has there is left out (see `withoutShared`). */
	readonly shared?: readonly string[];
	/** The generation's status, written as `.switchyard/status`: `<status> <metadata.created>`. */
	readonly status?: GenerationStatus;
}

/**
 * The tar that `stageGeneration` reads from stdin: metadata, manifest, modes, the checksums of what is
 * sent, `.env` (0600), the status line, the names of the unchanged files (which the stage links
 * from the generation it reuses: a name costs tens of bytes, a tar entry 512 and more), empty
 * dirs, symlinks and the changed files. Files the fingerprint kept in memory go in as they are
 * (every host's archive shares them); the others are streamed from disk one by one.
 */
export function generationArchive(request: ArchiveInput): Readable {
	const input = { ...request, artifact: withoutShared(request.artifact, request.shared ?? []) };
	const archive = pack();
	const mtime = new Date(input.metadata.created);
	const addText = (name: string, text: string, mode = 0o644) => archive.entry({ name, mode, mtime }, text);
	const sent = input.artifact.files.filter((file) => !input.unchanged.has(file.path));
	const status = input.status === undefined ? undefined : statusLine(input.status, input.metadata.created);

	// tar-stream finishes an entry without a body inside the call that finished the one before:
	// thousands in a row (symlinks, empty dirs) overflow the stack unless each is awaited.
	const addBodiless = (header: Partial<Header> & Pick<Header, 'name'>) => new Promise<void>((resolve, reject) => archive.entry(header, (error) => (error ? reject(error) : resolve())));

	const write = async () => {
		addText(stageFiles.metadata, `${JSON.stringify(input.metadata)}\n`);
		addText(stageFiles.manifest, manifestText(input.artifact));
		addText(stageFiles.modes, modesText(input.artifact));
		// "./" so that a file named "-" is a file to sha256sum, not its stdin.
		addText(stageFiles.sent, sent.map((file) => `${file.sha256}  ./${file.path}\n`).join(''));
		addText(stageFiles.env, input.env, 0o600);
		if (status !== undefined) addText(stageFiles.status, status);
		// NUL-ended: a name may hold any other byte, a newline included.
		const reused = input.artifact.files.filter((file) => input.unchanged.has(file.path));
		if (reused.length > 0) addText(stageFiles.reuse, reused.map((file) => `${file.path}\0`).join(''));
		for (const dir of input.artifact.emptyDirs ?? []) await addBodiless({ name: dir.path, type: 'directory', mode: dir.mode, mtime });
		for (const link of input.artifact.links) await addBodiless({ name: link.path, type: 'symlink', linkname: link.target, mtime });
		for (const file of sent) {
			const kept = keptContent(input.artifact, file.path);
			if (kept) {
				archive.entry({ name: file.path, size: file.size, mode: file.mode, mtime }, kept);
				continue;
			}
			await new Promise<void>((resolve, reject) => {
				const entry = archive.entry({ name: file.path, size: file.size, mode: file.mode, mtime }, (error) => (error ? reject(error) : resolve()));
				createReadStream(path.join(input.artifact.dir, file.path)).on('error', reject).pipe(entry);
			});
		}
		archive.finalize();
	};
	write().catch((error: Error) => archive.destroy(error));
	// tar-stream's streams are streamx streams; transports take Node streams.
	return Readable.from(archive);
}
