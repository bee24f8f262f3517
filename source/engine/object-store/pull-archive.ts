import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { statusLine } from '../remote/generation-status.js';
import { stageFiles } from '../remote/stage.js';
import type { ArchiveInput } from '../generation-archive.js';
import { withoutShared } from '../artifact.js';

/**
 * What a pulled generation still gets over SSH, after its files came from the store: metadata,
 * `.env` (secrets never go through the store), the status line, empty dirs and symlinks. The
 * host wrote the manifest and modes from the file list; the stage reads this tar as a push's.
 */
export function pullArchive(request: Omit<ArchiveInput, 'unchanged'>): Readable {
	const artifact = withoutShared(request.artifact, request.shared ?? []);
	const archive = pack();
	const mtime = new Date(request.metadata.created);
	const addText = (name: string, text: string, mode = 0o644) => archive.entry({ name, mode, mtime }, text);
	// As in generation-archive.ts: bodiless entries are awaited one by one, or thousands overflow the stack.
	const addBodiless = (header: Partial<Header> & Pick<Header, 'name'>) => new Promise<void>((resolve, reject) => archive.entry(header, (error) => (error ? reject(error) : resolve())));
	const write = async () => {
		addText(stageFiles.metadata, `${JSON.stringify(request.metadata)}\n`);
		addText(stageFiles.env, request.env, 0o600);
		if (request.status !== undefined) addText(stageFiles.status, statusLine(request.status, request.metadata.created));
		for (const dir of artifact.emptyDirs ?? []) await addBodiless({ name: dir.path, type: 'directory', mode: dir.mode, mtime });
		for (const link of artifact.links) await addBodiless({ name: link.path, type: 'symlink', linkname: link.target, mtime });
		archive.finalize();
	};
	write().catch((error: Error) => archive.destroy(error));
	return Readable.from(archive);
}
