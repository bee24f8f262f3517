import { marker, script } from './quote.js';

/**
 * Downloading from the object store on a host, shared by every strategy that pulls: the tool
 * (curl, else wget), one process for a whole set of links, and what went wrong in one marker.
 * The links are presigned GETs: nothing on the host needs credentials, and nothing here prints a
 * link (they are masked anyway, see `clean-output.ts`).
 */

/** Markers of a pull, read by `readFetchFailure` (and the strategies' readers beside their scripts). */
export const fetchMarkers = {
	/** `pull-unreachable <why>`: no answer from the store (or no curl/wget): push instead, when allowed. */
	unreachable: 'pull-unreachable',
	/** `pull-refused <http status> <file>`: the store refused a link (expired, or denied): sign again. */
	refused: 'pull-refused',
	/** `pull-failed <http status|exit status> <file>`: the store answered, but not with the object. */
	failed: 'pull-failed',
	/** `pull-mismatch <file>`: what arrived is not what its sha256 says: nothing is staged. */
	mismatch: 'pull-mismatch',
	/** `pull-fetched <count>`: every link fetched and verified. */
	fetched: 'pull-fetched',
} as const;

/** A failed pull, as the host described it; the engine decides what follows (push, sign again, fail). */
export type FetchFailure =
	| { readonly kind: 'unreachable'; readonly why: string }
	| { readonly kind: 'refused'; readonly status: string; readonly file: string }
	| { readonly kind: 'failed'; readonly status: string; readonly file: string }
	| { readonly kind: 'mismatch'; readonly file: string };

/** The first failure a pull script reported, if any. */
export function readFetchFailure(markers: readonly string[]): FetchFailure | undefined {
	for (const line of markers) {
		const [word = '', ...rest] = line.split(' ');
		if (word === fetchMarkers.unreachable) return { kind: 'unreachable', why: rest.join(' ') };
		if (word === fetchMarkers.refused || word === fetchMarkers.failed) return { kind: word === fetchMarkers.refused ? 'refused' : 'failed', status: rest[0] ?? '', file: rest.slice(1).join(' ') };
		if (word === fetchMarkers.mismatch) return { kind: 'mismatch', file: rest.join(' ') };
	}
	return undefined;
}

/** How many files a successful pull fetched (`SY:pull-fetched <n>`), or undefined when it did not finish. */
export function readFetched(markers: readonly string[]): number | undefined {
	const line = markers.find((each) => each.startsWith(`${fetchMarkers.fetched} `));
	return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/**
 * Shell functions for the pull scripts:
 *
 * - `sy_get LIST`: LIST has one line per download, `<url> <size> <output path>`; they are fetched
 *   by ONE process: curl with a config file (in parallel when the curl has `-Z`), or one wget
 *   whose output is cut back into files by their sizes. Returns non-zero after printing one
 *   failure marker; `$1.err` keeps the tool's own words (its last line goes to stderr).
 * - `sy_verify SUMS DIR`: `sha256sum -c` of SUMS (`<sha256>  ./path`) inside DIR; the first file
 *   that does not match is named in `SY:pull-mismatch`.
 *
 * `sy_where FILE` names a downloaded file for the markers: relative to `$sy_part` when under it.
 */
export function fetchFunctions(): string {
	return script(
		'sy_where() { case "$1" in "$sy_part"/*) printf %s "${1#"$sy_part"/}" ;; *) printf %s "${1##*/}" ;; esac; }',
		'sy_get() {',
		'  if command -v curl >/dev/null 2>&1; then',
		// curl's config format: backslash and double quote escaped inside "…".
		`    awk '{ size = length($1) + length($2) + 3; o = substr($0, size); gsub(/\\\\/, "\\\\\\\\", o); gsub(/"/, "\\\\\\"", o); printf "url = \\"%s\\"\\noutput = \\"%s\\"\\n", $1, o }' "$1" > "$1.curl" || return 1`,
		'    sy_parallel=; if curl -Z -V >/dev/null 2>&1; then sy_parallel="-Z --parallel-max 16"; fi',
		`    curl -sS --no-progress-meter $sy_parallel --create-dirs --connect-timeout 10 --retry 2 -w '%{http_code} %{filename_effective}\\n' -K "$1.curl" > "$1.out" 2> "$1.err"`,
		'    sy_rc=$?',
		"    sy_bad=$(awk '$1 !~ /^2/ { print; exit }' \"$1.out\")",
		'    if [ -z "$sy_bad" ] && [ "$sy_rc" -ne 0 ]; then sy_bad="curl-$sy_rc $1"; fi',
		'  elif command -v wget >/dev/null 2>&1; then',
		`    awk '{ print $1 }' "$1" > "$1.urls" || return 1`,
		'    wget -nv -O "$1.all" -i "$1.urls" 2> "$1.err"',
		'    sy_rc=$?',
		'    sy_bad=',
		'    case $sy_rc in',
		'      0) while IFS=" " read -r sy_url sy_size sy_out <&3; do [ -d "${sy_out%/*}" ] || mkdir -p -- "${sy_out%/*}" || return 1; head -c "$sy_size" > "$sy_out" || return 1; done 3< "$1" < "$1.all"; rm -f -- "$1.all" ;;',
		'      4) sy_bad="000 $1" ;;',
		'      *) if grep -q "ERROR 403" "$1.err"; then sy_bad="403 $1"; else sy_bad="wget-$sy_rc $1"; fi ;;',
		'    esac',
		'  else',
		`    echo "${marker}${fetchMarkers.unreachable} the host has neither curl nor wget"`,
		"    echo 'neither curl nor wget on this host: it cannot download from the store' >&2",
		'    return 1',
		'  fi',
		'  [ -n "$sy_bad" ] || return 0',
		'  sy_status=${sy_bad%% *}; sy_file=${sy_bad#* }',
		// The tool's own last word (curl's parallel mode mixes its progress into stderr with CRs).
		`  sy_said=$(tr '\\r' '\\n' < "$1.err" | grep -v '^ *$' | grep -iv '^ *[0-9-]*  *--' | tail -n 1)`,
		'  [ -z "$sy_said" ] || printf "%s\\n" "$sy_said" >&2',
		'  case $sy_status in',
		`    000|curl-5|curl-6|curl-7|curl-28|curl-35|curl-52|curl-55|curl-56) echo "${marker}${fetchMarkers.unreachable} \${sy_said:-no answer}" ;;`,
		// S3 says why in the error body curl kept: "Request has expired", "Access Denied".
		`    403) [ ! -f "$sy_file" ] || sed -n 's:.*<Message>\\(.*\\)</Message>.*:the store says\\: \\1:p' "$sy_file" | head -n 1 >&2; echo "${marker}${fetchMarkers.refused} 403 $(sy_where "$sy_file")" ;;`,
		`    *) echo "${marker}${fetchMarkers.failed} $sy_status $(sy_where "$sy_file")" ;;`,
		'  esac',
		'  return 1',
		'}',
		'sy_verify() {',
		'  [ -s "$1" ] || return 0',
		'  sy_failed=$(cd -- "$2" && sha256sum -c --quiet --strict "$1" 2>/dev/null)',
		'  [ $? -ne 0 ] || return 0',
		`  sy_file=$(printf '%s\\n' "$sy_failed" | sed -n 's|^\\./\\(.*\\): FAILED.*$|\\1|p' | head -n 1)`,
		`  echo "${marker}${fetchMarkers.mismatch} \${sy_file:-?}"`,
		`  printf '%s does not match its sha256 in the store: nothing was staged\\n' "\${sy_file:-a file}" >&2`,
		'  return 1',
		'}',
	);
}
