import path from 'node:path';
import { statusFile } from './generation-status.js';
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
	/** Every file of the generation with its checksum (sha256sum's format); the next diff reads it. */
	manifest: '.switchyard/manifest.sha256',
	/** `<octal> <path>` for files not 0644 (see `modesText`): the next diff re-sends a file whose mode changed. */
	modes: '.switchyard/modes',
	/** Only the files this tar carries, as `./path`: what the host hashes before accepting it. */
	sent: '.switchyard/sent.sha256',
	metadata: '.switchyard/generation.json',
	/** `<status> <iso-time>`, when the engine gives one (read by `generation-status.ts`). */
	status: statusFile,
	/**
	 * The unchanged files, each path ended by a NUL: hard-linked from the generation reused, so
	 * an unchanged file costs its name in the upload, not a 512-byte tar header.
	 */
	reuse: '.switchyard/reuse',
	env: '.env',
} as const;

/** Markers of the stage scripts (`SY:<name> …`), read by the readers below. */
export const stageMarkers = {
	ready: 'ready',
	skipped: 'stage-skipped',
	staged: 'staged',
	verifyFailed: 'verify-failed',
	/** `no-space <id> <inodes|space> <used%> <root>`: the host's disk ran out while extracting. */
	noSpace: 'no-space',
	/** `unsafe-shared <dir> <component>`: a shared dir would be linked through a symlink of the artifact. */
	unsafeShared: 'unsafe-shared',
} as const;

/**
 * Reads a tar from stdin into `generations/<id>.partial`, verifies the checksums of what it
 * carried, links shared dirs, and only then renames the dir to `generations/<id>`. A crash
 * leaves at most a `.partial`, which the next stage (under the lock) removes.
 */
export function stageGeneration(input: StageInput): string {
	const paths = layout(input.root);
	return script(
		'set -e',
		removePartials(paths.generations),
		stageInto(input.shared, {
			generations: paths.generations,
			partial: paths.partial(input.id),
			final: paths.generation(input.id),
			id: String(input.id),
			reuseFrom: input.reuseFrom === null ? undefined : String(input.reuseFrom),
			root: paths.root,
		}),
	);
}

/**
 * The same staging, decided mid-script: prints `SY:ready`, then reads `<id> <reuse-from|->` from
 * the first line of stdin and the tar after it. Appended to the preflight's script, it saves the
 * upload its own round trip; a line that is not a generation number (the engine's "no") ends it
 * without touching anything.
 */
export function stageFromHeader(input: Omit<StageInput, 'id' | 'reuseFrom'> & { readonly pull?: string }): string {
	const paths = layout(input.root);
	return script(
		`echo "${marker}${stageMarkers.ready}"`,
		// A third word `pull` (remote/pull.ts): the files come from the object store, `input.pull` fetches them first.
		'IFS=" " read -r id reuse how || id=',
		`case "$id" in ''|*[!0-9]*) echo "${marker}${stageMarkers.skipped}"; exit 0 ;; esac`,
		`case "$reuse" in -|[0-9]*) ;; *) echo "bad stage header" >&2; exit 1 ;; esac`,
		'set -e',
		`gens=${paths.generations}`,
		removePartials('"$gens"'),
		input.pull && `if [ "$how" = pull ]; then\n${input.pull}\nfi`,
		// With no generation to reuse ("-") the tar carries no list of files to link from it.
		stageInto(input.shared, { generations: '"$gens"', partial: '"$gens/$id.partial"', final: '"$gens/$id"', id: '$id', reuseFrom: '$reuse', root: paths.root }),
	);
}

/** The engine's answer to `stageFromHeader`'s `SY:ready`: stage generation `id` (the tar follows). */
export const stageHeader = (id: number, reuseFrom: number | null): string => `${id} ${reuseFrom ?? '-'}\n`;

/** The engine's other answer: stage nothing (the preflight objected). */
export const declineStage = 'no\n';

interface StageTarget {
	/** Shell words (quoted paths or variables). */
	readonly generations: string;
	readonly partial: string;
	readonly final: string;
	/** A number or a variable holding one (safe inside double quotes), as are `reuseFrom`'s. */
	readonly id: string;
	readonly reuseFrom?: string;
	readonly root: string;
}

/**
 * Unchanged files arrive as a list of names (`stageFiles.reuse`), linked from the generation
 * reused by one `cp -l --parents` (xargs splits only a list longer than a command line), so
 * they cost no process each and a few bytes of upload. `-k`, and `cp` without `-f`, make a
 * path named twice (in the tar and in the list) an error: a file the partial shares with an
 * older generation is never reopened and rewritten (that is what `--overwrite` would do).
 */
function stageInto(shared: readonly string[], target: StageTarget): string {
	const list = `${target.partial}/${stageFiles.reuse}`;
	return script(
		`tar -x -k -f - -C ${target.generations} "--transform=flags=rSH;s|^|${target.id}.partial/|" || {`,
		reportNoSpace(target),
		'}',
		target.reuseFrom !== undefined && [
			`if [ -s ${list} ]; then`,
			// Both dirs sit in generations/: the reused one names its files as the partial wants them.
			`  (cd -- ${target.generations}/"${target.reuseFrom}" && exec xargs -0 cp -l --parents -t "../${target.id}.partial" -- < "../${target.id}.partial/${stageFiles.reuse}") || {`,
			reportNoSpace(target),
			'  }',
			'fi',
		],
		`cd -- ${target.partial}`,
		`if [ -s ${stageFiles.sent} ] && ! sha256sum -c --quiet --strict ${stageFiles.sent} >&2; then echo "${marker}${stageMarkers.verifyFailed}"; exit 1; fi`,
		linkShared(shared, target.id),
		'cd - >/dev/null',
		`mv -T -- ${target.partial} ${target.final}`,
		`echo "${marker}${stageMarkers.staged} ${target.id}"`,
	);
}

/**
 * After a failed extraction: when the inodes or the space of the generations' filesystem are
 * used up, say so (a marker for the engine and a line for the log) instead of only tar's text.
 * Runs only on failure, so `df` costs nothing on a good day.
 */
function reportNoSpace(target: StageTarget): string {
	return script(
		'  status=$?',
		`  full=$(df -P -i ${target.generations} 2>/dev/null | { read -r _; read -r _ total _ free used _; [ "$total" = 0 ] || [ "$free" != 0 ] || echo "inodes $used"; }) || true`,
		`  [ -n "$full" ] || full=$(df -P -k ${target.generations} 2>/dev/null | { read -r _; read -r _ _ _ avail used _; [ "$avail" -ge 1024 ] 2>/dev/null || echo "space $used"; }) || true`,
		'  if [ -n "$full" ]; then',
		`    printf '%s %s\\n' "${marker}${stageMarkers.noSpace} ${target.id} $full" ${target.root}`,
		`    printf 'no space left on device while writing generation %s: %s used under %s\\n' "${target.id}" "$full" ${target.root} >&2`,
		'  fi',
		'  exit $status',
	);
}

/**
 * Run from inside the new generation: `<gen>/<dir>` becomes a link to `<root>/shared/<dir>`.
 * First every path component of every shared dir is checked: one that is a symlink (brought by
 * the artifact) would make `rm -rf` or `ln` act outside the generation, so the stage stops
 * before anything is created or removed. Then one `mkdir` (only when something is missing),
 * `rm` only where the artifact has something at a shared path, one `ln` per parent dir.
 */
function linkShared(shared: readonly string[], id: string): string {
	if (shared.length === 0) return '';
	for (const dir of shared) {
		if (!isPlainRelative(dir)) throw new Error(`shared dir must be a plain relative path inside the generation: ${JSON.stringify(dir)}`);
		const nested = shared.find((other) => other !== dir && dir.startsWith(`${other}/`));
		if (nested) throw new Error(`shared dirs may not nest: ${JSON.stringify(dir)} is inside ${JSON.stringify(nested)}`);
	}
	const parents = [...new Set(shared.map((dir) => path.posix.dirname(dir)))];
	const needed = [...shared.map((dir) => path.posix.join('../../shared', dir)), ...parents.filter((parent) => parent !== '.')].map(quote).join(' ');
	// Relative links, as `current` is: a root can be moved or mounted elsewhere.
	const linkTarget = (dir: string) => path.posix.relative(path.posix.join('/root/generations/id', path.posix.dirname(dir)), path.posix.join('/root/shared', dir));
	const linksIn = (parent: string) => shared.filter((dir) => path.posix.dirname(dir) === parent).map((dir) => quote(linkTarget(dir)));
	return script(
		'sy_unsafe_shared() {',
		`  echo "${marker}${stageMarkers.unsafeShared} $1 $2"`,
		`  printf 'refusing to stage generation %s: shared dir %s would be linked through %s, a symlink in the artifact (-> %s); nothing was removed\\n' "${id}" "$1" "$2" "$(readlink -- "$2")" >&2`,
		'  exit 1',
		'}',
		shared.map((dir) => `for part in ${componentsOf(dir).map(quote).join(' ')}; do [ ! -h "$part" ] || sy_unsafe_shared ${quote(dir)} "$part"; done`),
		`missing=; for dir in ${needed}; do [ -d "$dir" ] || missing=1; done; [ -z "$missing" ] || mkdir -p -- ${needed}`,
		`for dir in ${shared.map(quote).join(' ')}; do if [ -e "$dir" ] || [ -h "$dir" ]; then rm -rf -- "$dir"; fi; done`,
		parents.map((parent) => `ln -s -t ${quote(parent)} -- ${linksIn(parent).join(' ')}`),
	);
}

/** "data/uploads" → ["data", "data/uploads"]. */
const componentsOf = (dir: string): string[] => dir.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));

const isPlainRelative = (dir: string): boolean => dir.length > 0 && !dir.startsWith('/') && dir.split('/').every((part) => part !== '' && part !== '.' && part !== '..');

/** Leftovers of an interrupted stage; `rm` only runs when there are some. */
const removePartials = (generations: string): string => `for partial in ${generations}/*.partial; do [ ! -e "$partial" ] || rm -rf -- "$partial"; done`;

/** Removes a failed or cancelled stage. */
export function discardPartial(root: string, id: number): string {
	return `rm -rf -- ${layout(root).partial(id)}`;
}

export interface NoSpace {
	readonly id: number;
	readonly resource: 'inodes' | 'space';
	/** As df printed it, e.g. "100%". */
	readonly used: string;
	readonly root: string;
}

/** The stage finished: generation `id` is in place (`SY:staged <id>`, printed by every strategy's staging). */
/** The stage script is ready for the upload on its stdin (and has printed the host's state above). */
export const isReady = (marker: string): boolean => marker === stageMarkers.ready;

export const readStaged = (markers: readonly string[], id: number): boolean => markers.includes(`${stageMarkers.staged} ${id}`);

/** The stage ran out of inodes or space while extracting (`SY:no-space …`), if it said so. */
export function readNoSpace(markers: readonly string[]): NoSpace | undefined {
	for (const line of markers) {
		const match = new RegExp(`^${stageMarkers.noSpace} (\\d+) (inodes|space) (\\S+) (.*)$`).exec(line);
		if (match) return { id: Number(match[1]), resource: match[2] as NoSpace['resource'], used: match[3]!, root: match[4]! };
	}
	return undefined;
}

/** Why a stage failed, in one line, when its markers say; undefined leaves it to stderr. */
export function readStageFailure(markers: readonly string[]): string | undefined {
	const noSpace = readNoSpace(markers);
	if (noSpace) return `no space left on device while writing generation ${noSpace.id}: ${noSpace.resource} ${noSpace.used} used under ${noSpace.root}`;
	const unsafe = markers.find((line) => line.startsWith(`${stageMarkers.unsafeShared} `));
	if (unsafe) {
		const [, dir, part] = unsafe.split(' ');
		return `refused: shared dir ${dir} would be linked through ${part}, a symlink in the artifact; nothing was removed`;
	}
	if (markers.includes(stageMarkers.verifyFailed)) return 'checksum mismatch after upload';
	return undefined;
}
