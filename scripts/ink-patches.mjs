// Ink 6's memos, bounded and kept across frames (see source/app/ink/bounded-cache.ts for why).
// Ink 7 reworked them but needs Node ≥ 22; this goes when Node 20 does. Used by the build and by
// the benches that render the console, so that what they measure is what ships.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const boundedCache = fileURLToPath(new URL('../source/app/ink/bounded-cache.ts', import.meta.url));

/**
 * Replaces each `[pattern, replacement]` in one dependency file, failing the build if the file
 * no longer has a pattern exactly once (a new version of the dependency must be looked at, not
 * guessed at).
 */
export async function patchSource(file, replacements) {
	let text = await readFile(file, 'utf8');
	for (const [pattern, replacement] of replacements) {
		const found = text.split(pattern).length - 1;
		if (found !== 1) throw new Error(`${file} changed (${found} × ${JSON.stringify(pattern.slice(0, 60))}, 1 expected): check its patch in scripts/`);
		text = text.replace(pattern, () => replacement);
	}
	return text;
}

const use = "import { BoundedCache } from 'switchyard:bounded-cache';";

/** Shared by every frame of output.js (cells are never changed once placed, only replaced). */
const outputRows = `const blankCell = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });
const rowMemo = [];
const rowText = (line, y) => {
    // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
    const cells = line.filter(item => item !== undefined);
    const memo = rowMemo[y];
    if (memo && memo.cells.length === cells.length && memo.cells.every((cell, index) => cell === cells[index])) return memo.text;
    const text = styledCharsToString(cells).trimEnd();
    rowMemo[y] = { cells, text };
    return text;
};`;

/** File in ink/build → what changes in it. Limits: entries per generation (two are kept). */
const patches = {
	// With DEV=true Ink awaits React devtools and reads its own package.json at its top level: a
	// bundled Ink has neither beside it (react-devtools-core is not installed), and a script (the
	// build's bundle) cannot await at its top level. The devtools are connected without waiting
	// (or not at all: the benches set React's hook themselves).
	'reconciler.js': [
		["await import('./devtools.js');", "import('./devtools.js').catch(() => undefined);"],
		['? await loadPackageJson()\n', '? { name: undefined, version: undefined }\n'],
	],
	// Every Text node's size, keyed by its text.
	'measure-text.js': [['const cache = new Map();', `${use}\nconst cache = new BoundedCache(1000);`]],
	// Every Text node's wrapped or truncated text, keyed by text + width + mode.
	'wrap-text.js': [
		['const cache = {};', `${use}\nconst cache = new BoundedCache(1000);`],
		['const cachedText = cache[cacheKey];', 'const cachedText = cache.get(cacheKey);'],
		['cache[cacheKey] = wrappedText;', 'cache.set(cacheKey, wrappedText);'],
	],
	// Every Text node's width, again each frame: measured through the memo above instead.
	'render-node-to-output.js': [
		["import wrapText from './wrap-text.js';", "import wrapText from './wrap-text.js';\nimport measureText from './measure-text.js';"],
		['const currentWidth = widestLine(text);', 'const currentWidth = measureText(text).width;'],
	],
	// Tokenized lines (an object per character): kept from frame to frame instead of for one frame,
	// so a line that did not change is not tokenized again. A screen's worth, not more: each costs
	// kilobytes, and a streaming log pane makes new ones every frame.
	'output.js': [
		["import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';", `import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';\n${use}`],
		['export default class Output {', `const sharedStyledChars = new BoundedCache(100);\n${outputRows}\nexport default class Output {`],
		['    styledChars = new Map();', '    styledChars = sharedStyledChars;'],
		// A frame's empty cells: one shared cell instead of an object (and a styles array) each.
		["                row.push({\n                    type: 'char',\n                    value: ' ',\n                    fullWidth: false,\n                    styles: [],\n                });", '                row.push(blankCell);'],
		// A row whose cells are the very ones of the frame before (nothing written there changed) is that frame's text.
		['        const generatedOutput = output\n            .map(line => {\n            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742\n            const lineWithoutEmptyItems = line.filter(item => item !== undefined);\n            return styledCharsToString(lineWithoutEmptyItems).trimEnd();\n        })', '        const generatedOutput = output\n            .map(rowText)'],
	],
};

/** The patches above (or only the files named), as an esbuild plugin. */
export function inkPatches(only = Object.keys(patches)) {
	const files = new Set(only);
	return {
		name: 'ink-patches',
		setup(builder) {
			builder.onResolve({ filter: /^switchyard:bounded-cache$/ }, () => ({ path: boundedCache }));
			builder.onLoad({ filter: /[\\/]ink[\\/]build[\\/][a-z-]+\.js$/ }, async (args) => {
				const file = args.path.split(/[\\/]/).at(-1);
				return files.has(file) ? { contents: await patchSource(args.path, patches[file]), loader: 'js' } : undefined;
			});
		},
	};
}
