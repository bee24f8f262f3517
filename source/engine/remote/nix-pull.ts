import { fetchFunctions, fetchMarkers } from './fetch.js';
import { marker, quote, script } from './quote.js';

/**
 * A nix host substitutes the closure from the object store: the operator put it there as a
 * binary cache (`nix copy --to file://…`, then uploaded), and sends on stdin
 *
 *   links <sha256> <size> <link>    links to the closure's .narinfo and NAR files (`linksText`)
 *   end
 *
 * The host checks the links object against the sha256 that came over SSH, fetches every
 * .narinfo and the NARs of the paths it does not have (one process), checks each file's sha256,
 * and copies the closure from that cache into its store with `nix copy --from file://…` —
 * without credentials and without the cache being public. `--no-check-sigs`: every file was
 * checked against what the operator sent, as `nix-store --import` of the SSH copy trusts it.
 */
export function pullClosure(root: string, storePath: string): string {
	const cache = quote(`${root.replace(/\/+$/, '')}/.nix-pull`);
	return script(
		fetchFunctions(),
		'sy_pull_closure() {',
		`  sy_part=${cache}; rm -rf -- "$sy_part"; mkdir -p -- "$sy_part/cache/nar" || return 1`,
		'  sy_part=$(cd -- "$sy_part" && pwd) || return 1',
		'  sy_ended=',
		'  while IFS=" " read -r sy_what sy_sum sy_size sy_url; do',
		'    case $sy_what in',
		'      end) sy_ended=1; break ;;',
		'      links) printf "%s  links\\n" "$sy_sum" > "$sy_part/objects.sha256"; printf "%s %s %s\\n" "$sy_url" "$sy_size" "$sy_part/links" > "$sy_part/objects" ;;',
		'      *) echo "bad pull block" >&2; return 1 ;;',
		'    esac',
		'  done',
		'  [ -n "$sy_ended" ] || { echo "the pull was not sent: nothing was copied" >&2; return 1; }',
		'  sy_get "$sy_part/objects" || return 1',
		`  (cd -- "$sy_part" && sha256sum -c --quiet --strict objects.sha256 >/dev/null 2>&1) || { echo "${marker}${fetchMarkers.mismatch} the links"; echo "the links from the store do not match what the operator sent" >&2; return 1; }`,
		// Which paths of the closure this store lacks: their NARs are fetched; every .narinfo is (nix copy reads the closure from them).
		`  awk 'NR > 3 { print $5 }' "$sy_part/links" | sort -u | xargs nix-store --check-validity --print-invalid > "$sy_part/invalid" || return 1`,
		'  : > "$sy_part/fetch.sha256" || return 1',
		`  awk -v dir="$sy_part/cache" -v invalid="$sy_part/invalid" '${planProgram}' "$sy_part/links" > "$sy_part/fetch" || return 1`,
		'  sy_get "$sy_part/fetch" || return 1',
		'  sy_verify "$sy_part/fetch.sha256" "$sy_part/cache" || return 1',
		"  printf 'StoreDir: /nix/store\\n' > \"$sy_part/cache/nix-cache-info\"",
		`  nix --extra-experimental-features nix-command copy --no-check-sigs --from "file://$sy_part/cache" ${quote(storePath)} >&2 || return 1`,
		`  echo "${marker}${fetchMarkers.fetched} $(grep -c '' "$sy_part/fetch")"`,
		'  rm -rf -- "$sy_part"',
		'}',
		`sy_pull_closure || { rm -rf -- ${cache}; exit 1; }`,
	);
}

/**
 * Reads the paths this store lacks (the file `invalid`), then the links: prints `<url> <size> <file>` for every
 * .narinfo and for the NARs of invalid paths, and their sums to `fetch.sha256` beside.
 */
const planProgram = [
	'BEGIN { while ((getline line < invalid) > 0) missing[line] = 1 }',
	'$1 == "base" { base = substr($0, 6); next }',
	'$1 == "query" { query = substr($0, 7); next }',
	'$1 == "tail" { tail = substr($0, 6); next }',
	'$3 ~ /\\.narinfo$/ || ($5 in missing) {',
	'  print base $3 query $2 tail, $4, dir "/" $3',
	'  print $1 "  ./" $3 > (dir "/../fetch.sha256")',
	'}',
].join('\n');

export const nixPullBlockText = (links: { readonly sha256: string; readonly size: number; readonly url: string }): string => `links ${links.sha256} ${links.size} ${links.url}\nend\n`;
