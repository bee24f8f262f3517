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
	return script(
		'set -e',
		removePartials(paths.generations),
		stageInto(input.shared, {
			partial: paths.partial(input.id),
			final: paths.generation(input.id),
			id: String(input.id),
			reuse: input.reuseFrom === null ? undefined : { from: String(input.reuseFrom), when: '' },
		}),
	);
}

/**
 * The same staging, decided mid-script: prints `SY:ready`, then reads `<id> <reuse-from|->` from
 * the first line of stdin and the tar after it. Appended to the preflight's script, it saves the
 * upload its own round trip; a line that is not a generation number (the engine's "no") ends it
 * without touching anything.
 */
export function stageFromHeader(input: Omit<StageInput, 'id' | 'reuseFrom'>): string {
	const paths = layout(input.root);
	return script(
		`echo "${marker}ready"`,
		'IFS=" " read -r id reuse || id=',
		`case "$id" in ''|*[!0-9]*) echo "${marker}stage-skipped"; exit 0 ;; esac`,
		`case "$reuse" in -|[0-9]*) ;; *) echo "bad stage header" >&2; exit 1 ;; esac`,
		'set -e',
		`gens=${paths.generations}`,
		removePartials('"$gens"'),
		stageInto(input.shared, { partial: '"$gens/$id.partial"', final: '"$gens/$id"', id: '$id', reuse: { from: '$reuse', when: '[ "$reuse" != - ] && ' } }),
	);
}

/** The engine's answer to `stageFromHeader`'s `SY:ready`: stage generation `id` (the tar follows). */
export const stageHeader = (id: number, reuseFrom: number | null): string => `${id} ${reuseFrom ?? '-'}\n`;

/** The engine's other answer: stage nothing (the preflight objected). */
export const declineStage = 'no\n';

interface StageTarget {
	/** Shell words (quoted paths or variables). */
	readonly partial: string;
	readonly final: string;
	readonly id: string;
	readonly reuse?: { readonly from: string; readonly when: string };
}

function stageInto(shared: readonly string[], target: StageTarget): string {
	return script(
		`mkdir ${target.partial}`,
		`tar -x -f - -C ${target.partial}`,
		`cd ${target.partial}`,
		target.reuse && [
			`if ${target.reuse.when}[ -f ${stageFiles.reuseList} ]; then`,
			'  while IFS= read -r file; do',
			'    mkdir -p "$(dirname "$file")"',
			`    ln "../${target.reuse.from}/$file" "$file"`,
			`  done < ${stageFiles.reuseList}`,
			'fi',
		],
		`[ ! -f ${stageFiles.reuseList} ] || rm -f ${stageFiles.reuseList}`,
		`if [ -s ${stageFiles.manifest} ] && ! sha256sum -c --quiet --strict ${stageFiles.manifest} >&2; then echo "${marker}verify-failed"; exit 1; fi`,
		shared.map((dir) => linkShared(dir)),
		'cd - >/dev/null',
		`mv ${target.partial} ${target.final}`,
		`echo "${marker}staged ${target.id}"`,
	);
}

/** Leftovers of an interrupted stage; `rm` only runs when there are some. */
const removePartials = (generations: string): string => `for partial in ${generations}/*.partial; do [ ! -e "$partial" ] || rm -rf "$partial"; done`;

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
