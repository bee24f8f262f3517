import { marker, quote, script } from './quote.js';

/** Markers of `readTwoFiles`, read by `parseTwoFiles`: `SY:file-size <which> <bytes|->`, blocks `SY:file <which>-begin` … `-end`. */
export const readFileMarkers = { size: 'file-size', block: 'file' } as const;

/**
 * Prints two files of a host (one path in the current and in the staged generation), at most
 * `limit` bytes of each: what the confirm dialog shows as a diff. A missing file has size `-`.
 */
export function readTwoFiles(before: string, after: string, limit: number): string {
	const one = (which: string, file: string) =>
		script(
			`if [ -f ${quote(file)} ]; then echo "${marker}${readFileMarkers.size} ${which} $(wc -c < ${quote(file)})"; else echo "${marker}${readFileMarkers.size} ${which} -"; fi`,
			`echo "${marker}${readFileMarkers.block} ${which}-begin"; [ ! -f ${quote(file)} ] || { head -c ${limit} ${quote(file)}; echo; }; echo "${marker}${readFileMarkers.block} ${which}-end"`,
		);
	return script(one('before', before), one('after', after));
}

export interface ReadFile {
	/** null: there is no such file. */
	readonly bytes: number | null;
	readonly text: string;
}

/** The two files as printed (the newline `readTwoFiles` adds after each is not part of it). */
export function parseTwoFiles(result: { readonly markers: readonly string[]; readonly blocks: ReadonlyMap<string, readonly string[]> }): { before: ReadFile; after: ReadFile } {
	const read = (which: 'before' | 'after'): ReadFile => {
		const size = result.markers.find((line) => line.startsWith(`${readFileMarkers.size} ${which} `))?.split(' ')[2];
		const lines = result.blocks.get(`${readFileMarkers.block} ${which}`) ?? [];
		return { bytes: size === undefined || size === '-' ? null : Number(size), text: lines.join('\n') };
	};
	return { before: read('before'), after: read('after') };
}
