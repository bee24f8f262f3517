import { marker, quote, script } from './quote.js';

/** Printed after a digested listing: `SY:listing <sha256 of what the listing printed>`. */
export const listingMarker = 'listing';

/** Printed when the guard let the script go on: what follows belongs to it, not to the opening. */
export const unchangedMarker = 'unchanged';

/** Printed when a guarded script stopped because the host no longer lists what the engine picked from. */
export const staleMarker = 'stale';

/**
 * A generation listing (markers only) followed by the digest of what it printed. The digest is the
 * host's own word for "this exact listing": a later script compares it (see `unlessListingChanged`)
 * instead of the engine re-deriving the text, so nothing has to be byte-identical on both sides.
 * The listing is a function so its `case … )` never sits inside `$( )`.
 */
export function digestedListing(list: string): string {
	return script(
		`sy_list() {\n${list}\n}`,
		'sy_listing=$(sy_list)',
		`printf '%s\\n' "$sy_listing"`,
		// A here-document, not a pipe: one process fewer on every listing.
		`sy_digest=$(sha256sum <<SY_LISTING\n$sy_listing\nSY_LISTING\n)`,
		'sy_digest=${sy_digest%% *}',
		`echo "${marker}${listingMarker} $sy_digest"`,
	);
}

/**
 * After `digestedListing`: ends the script there (exit 0, `SY:stale`) unless the host listed
 * exactly what has digest `expected`. What follows runs only on a host as the engine last saw it.
 */
export const unlessListingChanged = (expected: string): string =>
	`if [ "$sy_digest" != ${quote(expected)} ]; then echo "${marker}${staleMarker}"; exit 0; fi; echo "${marker}${unchangedMarker}"`;

/** The digest the listing printed (the last one, when a script listed twice). */
export function readListingDigest(markers: readonly string[]): string | undefined {
	const line = [...markers].reverse().find(isDigest);
	const digest = line?.slice(listingMarker.length + 1);
	return digest && /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

export const readStale = (markers: readonly string[]): boolean => markers.includes(staleMarker);

const isDigest = (each: string): boolean => each.startsWith(`${listingMarker} `);

/** A guarded script's opening: its markers up to and with the first listing's digest (all of them when it never listed). */
export function throughFirstListing(markers: readonly string[]): readonly string[] {
	const end = markers.findIndex(isDigest);
	return end === -1 ? markers : markers.slice(0, end + 1);
}

/** What a guarded script printed after its opening listing (nothing when it never listed). */
export function afterFirstListing(markers: readonly string[]): readonly string[] {
	const end = markers.findIndex(isDigest);
	return end === -1 ? [] : markers.slice(end + 1);
}

/**
 * The markers of the last digested listing only: a script that listed, switched and listed again
 * (a rollback's opening and its read-back) is read as what the host said last.
 */
export function lastListing(markers: readonly string[]): readonly string[] {
	const ends = markers.flatMap((each, index) => (isDigest(each) ? [index] : []));
	if (ends.length < 2) return markers;
	return markers.slice(ends.at(-2)! + 1);
}
