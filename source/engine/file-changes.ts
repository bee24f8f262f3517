import type { Artifact } from './artifact.js';
import type { FileChange } from './events.js';

/** At most this many changes travel with a staged host (a dialog shows a screenful; the counts are exact anyway). */
export const maxListedChanges = 2000;

/** Which files a new generation adds, changes and removes against the current one's manifest, with their new sizes. */
export function fileChanges(current: ReadonlyMap<string, string> | null, artifact: Artifact): FileChange[] {
	const changes: FileChange[] = [];
	for (const file of artifact.files) {
		const before = current?.get(file.path);
		if (before === file.sha256) continue;
		changes.push({ path: file.path, change: before === undefined ? 'added' : 'changed', bytes: file.size, sha256: file.sha256 });
	}
	const paths = new Set(artifact.files.map((file) => file.path));
	for (const [path, sha256] of current ?? []) if (!paths.has(path)) changes.push({ path, change: 'removed', sha256 });
	return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).slice(0, maxListedChanges);
}
