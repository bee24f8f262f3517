import path from 'node:path';
import { layout } from './layout.js';
import { marker, quote, script } from './quote.js';

export interface StageInput {
	readonly root: string;
	readonly id: number;
	/** Generation whose unchanged files are hard-linked instead of re-sent. */
	readonly reuseFrom: number | null;
	/** Relative paths of dirs kept across generations, linked into the new one. */
	readonly shared: readonly string[];
}

/** Files the stage script expects in the tar it reads from stdin. */
export const stageFiles = {
	manifest: '.switchyard/manifest.sha256',
	metadata: '.switchyard/generation.json',
	reuseList: '.switchyard/reuse.list',
	env: '.env',
} as const;

/**
 * Reads a tar from stdin into `generations/<id>.partial`, hard-links the files listed in the
 * reuse list from `reuseFrom`, verifies every checksum of the manifest, links shared dirs, and
 * only then renames the dir to `generations/<id>`. A crash leaves at most a `.partial`, which
 * the next stage (under the lock) removes.
 */
export function stageGeneration(input: StageInput): string {
	const paths = layout(input.root);
	const partial = paths.partial(input.id);
	return script(
		'set -e',
		`rm -rf ${paths.generations}/*.partial`,
		`mkdir ${partial}`,
		`tar -x -f - -C ${partial}`,
		`cd ${partial}`,
		input.reuseFrom !== null && [
			`if [ -f ${stageFiles.reuseList} ]; then`,
			'  while IFS= read -r file; do',
			'    mkdir -p "$(dirname "$file")"',
			`    ln "../${input.reuseFrom}/$file" "$file"`,
			`  done < ${stageFiles.reuseList}`,
			'fi',
		],
		`rm -f ${stageFiles.reuseList}`,
		`if [ -s ${stageFiles.manifest} ] && ! sha256sum -c --quiet --strict ${stageFiles.manifest} >&2; then echo "${marker}verify-failed"; exit 1; fi`,
		input.shared.map((dir) => linkShared(dir)),
		'cd - >/dev/null',
		`mv ${partial} ${paths.generation(input.id)}`,
		`echo "${marker}staged ${input.id}"`,
	);
}

/** Run from inside the new generation: `<gen>/<dir>` becomes a link to `<root>/shared/<dir>`. */
function linkShared(dir: string): string {
	const target = path.posix.relative(path.posix.join('/root/generations/id', path.posix.dirname(dir)), path.posix.join('/root/shared', dir));
	const sharedDir = path.posix.join('../../shared', dir);
	return script(`mkdir -p ${quote(sharedDir)} ${quote(path.posix.dirname(dir))}`, `rm -rf ${quote(dir)}`, `ln -s ${quote(target)} ${quote(dir)}`);
}

/** Removes a failed or cancelled stage. */
export function discardPartial(root: string, id: number): string {
	return `rm -rf ${layout(root).partial(id)}`;
}
