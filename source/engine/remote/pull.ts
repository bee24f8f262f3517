import { fetchFunctions, fetchMarkers } from './fetch.js';
import { marker, script } from './quote.js';

/**
 * The host's side of a pull into a releases generation. The engine answers the stage's
 * `SY:ready` with `<id> <reuse> pull`, then this block, then the small tar (metadata, .env,
 * status, symlinks, empty dirs):
 *
 *   list <sha256> <size> <link>     the generation's file list (`fileListText`), an object of the store
 *   links <sha256> <size> <link>    links to the files this host lacks (`linksText`), another
 *   end
 *
 * Both objects are checked against the sha256 that came over SSH, so everything the host takes
 * from the store is anchored in what the operator sent. The host fetches the missing files in
 * one process into `generations/<id>.partial`, checks every one, hard-links the rest from the
 * generation it reuses, writes the manifest and modes, and only then reads the tar and finishes
 * the stage as a push does (verify, shared links, rename). Any failure removes the partial.
 */

/** The stdin block after the header line: what the pull script reads before the tar. */
export interface PullBlock {
	readonly list: PulledObject;
	readonly links: PulledObject;
}

export interface PulledObject {
	readonly sha256: string;
	readonly size: number;
	readonly url: string;
}

export const pullBlockText = (block: PullBlock): string =>
	`list ${block.list.sha256} ${block.list.size} ${block.list.url}\nlinks ${block.links.sha256} ${block.links.size} ${block.links.url}\nend\n`;

/** The engine's answer to `stageFromHeader`'s `SY:ready` for a pull: the block and the small tar follow. */
export const pullStageHeader = (id: number, reuseFrom: number | null): string => `${id} ${reuseFrom ?? '-'} pull\n`;

/** One file of the generation: `<sha256> <octal mode> <size> <path>`. */
export interface ListedFile {
	readonly sha256: string;
	readonly mode: number;
	readonly size: number;
	readonly path: string;
}

/** The file list object: every file of the generation, in the manifest's order. */
export const fileListText = (files: readonly ListedFile[]): string => files.map((file) => `${file.sha256} ${file.mode.toString(8)} ${file.size} ${file.path}\n`).join('');

/**
 * A set of presigned links, all sharing one shape: `<base><key><query><signature><tail>`. They
 * differ only in key and signature (same signing time, same expiry), so each costs a line of
 * two hashes instead of a whole URL: a first deploy of 1,000 files sends one 150 KB object to
 * the store, not 450 KB, and nothing per host.
 */
export interface LinkShape {
	readonly base: string;
	readonly query: string;
	readonly tail: string;
}

export interface Link {
	/** The object's content hash (the host checks the download against it). */
	readonly sha256: string;
	readonly signature: string;
	/** The key, less the shape's base (a sha256, or a nix cache file name). */
	readonly key: string;
	readonly size: number;
	/** Where it goes: a path in the generation, or a store path for nix. */
	readonly target: string;
}

export const linksText = (shape: LinkShape, links: readonly Link[]): string =>
	`base ${shape.base}\nquery ${shape.query}\ntail ${shape.tail}\n${links.map((link) => `${link.sha256} ${link.signature} ${link.key} ${link.size} ${link.target}\n`).join('')}`;

/**
 * Splits presigned links into their shared shape and each one's signature. Throws when they do
 * not share one (they always do when signed together; a store that did otherwise is named).
 */
export function shapeOfLinks(urls: readonly string[], keys: readonly string[]): { shape: LinkShape; signatures: string[] } {
	let shape: LinkShape | undefined;
	const signatures = urls.map((url, index) => {
		const key = keys[index]!;
		const match = /^(.*?)(\?.*X-Amz-Signature=)([0-9a-f]{64})(.*)$/.exec(url);
		const pathPart = match?.[1];
		if (!match || !pathPart?.endsWith(key)) throw new Error(`a presigned link does not have the shape of a SigV4 S3 link for ${key}`);
		const own = { base: pathPart.slice(0, -key.length), query: match[2]!, tail: match[4]! };
		shape ??= own;
		if (own.base !== shape.base || own.query !== shape.query || own.tail !== shape.tail) throw new Error(`presigned links differ in more than key and signature (${key})`);
		return match[3]!;
	});
	return { shape: shape ?? { base: '', query: '', tail: '' }, signatures };
}

/**
 * The pull, run by `stageFromHeader` when its header says `pull` (inside `set -e`, with `$gens`,
 * `$id` and `$reuse` set). Reads the block from stdin, leaves the partial filled with every
 * file of the generation (but what the tar brings), or removes it and exits 1 after one
 * `SY:pull-…` marker.
 */
export function pullIntoPartial(): string {
	return script(
		fetchFunctions(),
		'sy_pull() {',
		'  mkdir -p -- "$gens/$id.partial/.switchyard/pull" || return 1',
		// Absolute: the links and modes are applied from other dirs (a root may be relative to the login dir).
		'  sy_part=$(cd -- "$gens/$id.partial" && pwd) || return 1',
		'  sy_work="$sy_part/.switchyard/pull"',
		'  sy_ended=',
		'  while IFS=" " read -r sy_what sy_sum sy_size sy_url; do',
		'    case $sy_what in',
		'      end) sy_ended=1; break ;;',
		'      list|links) printf "%s %s\\n" "$sy_sum" "$sy_what" >> "$sy_work/objects.sha256"; printf "%s %s %s\\n" "$sy_url" "$sy_size" "$sy_work/$sy_what" >> "$sy_work/objects" ;;',
		'      *) echo "bad pull block" >&2; return 1 ;;',
		'    esac',
		'  done',
		// The engine ends the block early when it could not prepare the pull (it says why).
		'  [ -n "$sy_ended" ] || { echo "the pull was not sent: nothing was staged" >&2; return 1; }',
		'  sy_get "$sy_work/objects" || return 1',
		`  (cd -- "$sy_work" && sed 's/ /  /' objects.sha256 | sha256sum -c --quiet --strict - >/dev/null 2>&1) || { echo "${marker}${fetchMarkers.mismatch} the file list"; echo "the file list or the links from the store do not match what the operator sent: nothing was staged" >&2; return 1; }`,
		'  : > "$sy_part/.switchyard/manifest.sha256" && : > "$sy_part/.switchyard/modes" && : > "$sy_work/fetch" && : > "$sy_work/fetch.sha256" && : > "$sy_work/reuse" || return 1',
		`  awk -v w="$sy_work" -v part="$sy_part" '${planProgram}' "$sy_work/links" "$sy_work/list" || return 1`,
		'  sy_get "$sy_work/fetch" || return 1',
		'  sy_verify "$sy_work/fetch.sha256" "$sy_part" || return 1',
		'  if [ -s "$sy_work/reuse" ]; then',
		'    [ "$reuse" != - ] || { echo "the pull links files from no generation" >&2; return 1; }',
		'    (cd -- "$gens/$reuse" && tr "\\n" "\\0" < "$sy_work/reuse" | xargs -0 cp -l --parents -t "$sy_part" --) || return 1',
		'  fi',
		'  for sy_modes in "$sy_work"/mode.*; do',
		'    [ -f "$sy_modes" ] || continue',
		'    (cd -- "$sy_part" && tr "\\n" "\\0" < "$sy_modes" | xargs -0 chmod "${sy_modes##*.}" --) || return 1',
		'  done',
		`  echo "${marker}${fetchMarkers.fetched} $(grep -c '' "$sy_work/fetch")"`,
		'  rm -rf -- "$sy_work"',
		'}',
		'sy_pull || { rm -rf -- "$gens/$id.partial"; exit 1; }',
	);
}

/**
 * Reads the links (first file), then the file list: every listed file goes into the manifest
 * (and the modes, when not 0644); a file with a link is fetched (its sha256 checked, its mode
 * set), any other is hard-linked from the generation reused.
 */
const planProgram = [
	'NR == FNR {',
	'  if ($1 == "base") { base = substr($0, 6); next }',
	'  if ($1 == "query") { query = substr($0, 7); next }',
	'  if ($1 == "tail") { tail = substr($0, 6); next }',
	'  path = substr($0, length($1) + length($2) + length($3) + length($4) + 5)',
	'  need[path] = 1',
	'  print base $3 query $2 tail, $4, part "/" path > (w "/fetch")',
	'  print $1 "  ./" path > (w "/fetch.sha256")',
	'  next',
	'}',
	'{',
	'  path = substr($0, length($1) + length($2) + length($3) + 4)',
	'  print $1 "  " path > (part "/.switchyard/manifest.sha256")',
	'  if ($2 != "644") print $2 " " path > (part "/.switchyard/modes")',
	'  if (path in need) print path > (w "/mode." $2)',
	'  else print path > (w "/reuse")',
	'}',
].join('\n');
