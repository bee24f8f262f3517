import { generationStatuses, type GenerationStatus } from '../events.js';
import { visibleControls } from '../clean-output.js';
import { marker, quote } from './quote.js';

/** Where a generation of the releases layout keeps its status, relative to the generation. */
export const statusFile = '.switchyard/status';

/** Printed per generation by the listings: `SY:gen-status <id> <status> <at> [note]`. */
export const statusMarker = 'gen-status';

export interface StatusLine {
	readonly status: GenerationStatus;
	readonly at?: string;
	readonly note?: string;
}

/**
 * Sets a generation's status: one line `<status> <at> [note]` in `file` (a shell word: quoted
 * path, or built from a variable like "$gens/$from/.switchyard/status"). Only where the generation
 * exists; never fails the script it is part of.
 */
export function markStatus(file: string, dirOfFile: string, status: GenerationStatus, at: string, note?: string): string {
	return `[ ! -d ${dirOfFile} ] || printf '%s %s%s\\n' ${status} ${quote(at)} ${note ? quote(` ${note}`) : "''"} > ${file} || true`;
}

/** markStatus for a generation of the releases layout; `generation` is its dir as a shell word (`"$gens/$from"` works too). */
export const markGenerationStatus = (generation: string, status: GenerationStatus, at: string, note?: string): string =>
	markStatus(`${generation}/${statusFile}`, `${generation}/.switchyard`, status, at, note);

/** The one line of `.switchyard/status` as the staging archive carries it: `<status> <iso-time>`. */
export function statusLine(status: GenerationStatus, at: string): string {
	// Checked as well as typed: the line is read back by a regex on the host's listing.
	if (!/^[a-z][a-z-]*$/.test(status)) throw new Error(`a generation status is one lower-case word, got ${JSON.stringify(status)}`);
	return `${status} ${at}\n`;
}

/** Shell that prints the status marker of generation `$id` whose status file is `file` (a shell word). */
export const printStatus = (idWord: string, file: string): string =>
	`if [ -f ${file} ]; then IFS= read -r sy_status < ${file} || true; printf '%s %s %s\\n' ${marker}${statusMarker} "${idWord}" "$sy_status"; fi`;

/** Reads the status markers: generation id → status line. */
export function readStatuses(markers: readonly string[]): Map<number, StatusLine> {
	const statuses = new Map<number, StatusLine>();
	for (const line of markers) {
		const match = new RegExp(`^${statusMarker} (\\d+) (\\S+)(?: (\\S+))?(?: (.*))?$`).exec(line);
		if (!match || !(generationStatuses as readonly string[]).includes(match[2]!)) continue;
		// The time and the note are the host's text: made safe to show.
		statuses.set(Number(match[1]), { status: match[2] as GenerationStatus, ...(match[3] ? { at: visibleControls(match[3]) } : {}), ...(match[4] ? { note: visibleControls(match[4]) } : {}) });
	}
	return statuses;
}
