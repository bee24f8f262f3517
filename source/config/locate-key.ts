/**
 * Maps a key path (as a schema reports it, e.g. ["host", 2, "binaries", 0]) to the line of
 * hosts.toml where that key is written, so errors can point at it. A light line scanner is
 * enough: the document has already parsed, we only need where headers and keys start.
 */
export type KeyPath = readonly (string | number)[];

const tableHeader = /^\s*\[\s*([^[\]]+?)\s*\]\s*(#.*)?$/;
const arrayHeader = /^\s*\[\[\s*([^[\]]+?)\s*\]\]\s*(#.*)?$/;
const keyLine = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

const splitDotted = (text: string): string[] =>
	(text.match(/[A-Za-z0-9_-]+|"[^"]*"|'[^']*'/g) ?? []).map((part) => part.replace(/^["']|["']$/g, ''));

export function indexKeyLines(text: string): Map<string, number> {
	const lines = new Map<string, number>();
	const arrayCounts = new Map<string, number>();
	let table: (string | number)[] = [];
	// Inside a multi-line array or inline table, "x = 1" lines are not top-level keys.
	let depth = 0;

	text.split(/\r?\n/).forEach((line, index) => {
		const lineNumber = index + 1;
		if (depth === 0) {
			const array = arrayHeader.exec(line);
			const header = array ? undefined : tableHeader.exec(line);
			if (array?.[1]) {
				const parts = splitDotted(array[1]);
				const key = parts.join('.');
				const count = arrayCounts.get(key) ?? 0;
				arrayCounts.set(key, count + 1);
				table = [...resolveParents(parts.slice(0, -1), arrayCounts), parts.at(-1)!, count];
				remember(lines, table, lineNumber);
				return;
			}
			if (header?.[1]) {
				table = resolveParents(splitDotted(header[1]), arrayCounts);
				remember(lines, table, lineNumber);
				return;
			}
			const key = keyLine.exec(line);
			if (key?.[1]) remember(lines, [...table, ...splitDotted(key[1])], lineNumber);
		}
		depth = Math.max(0, depth + bracketBalance(line));
	});
	return lines;
}

/** `[host.health]` under the third `[[host]]` means host[2].health. */
function resolveParents(parts: string[], arrayCounts: Map<string, number>): (string | number)[] {
	const path: (string | number)[] = [];
	parts.forEach((part, index) => {
		path.push(part);
		const count = arrayCounts.get(parts.slice(0, index + 1).join('.'));
		if (count !== undefined && index < parts.length - 1) path.push(count - 1);
	});
	return path;
}

function remember(lines: Map<string, number>, path: KeyPath, line: number): void {
	const key = path.join('.');
	if (!lines.has(key)) lines.set(key, line);
}

function bracketBalance(line: string): number {
	const code = line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '').replace(/#.*$/, '');
	let balance = 0;
	for (const char of code) {
		if (char === '[' || char === '{') balance += 1;
		if (char === ']' || char === '}') balance -= 1;
	}
	return balance;
}

/** The line of the deepest written part of `path`, or undefined when none of it is written. */
export function locateKey(lines: Map<string, number>, path: KeyPath): number | undefined {
	for (let length = path.length; length > 0; length -= 1) {
		const line = lines.get(path.slice(0, length).join('.'));
		if (line !== undefined) return line;
	}
	return undefined;
}
