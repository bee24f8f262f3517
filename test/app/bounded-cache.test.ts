import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedCache } from '../../source/app/ink/bounded-cache.js';
// @ts-expect-error -- a plain .mjs build script, without types
import { inkPatches } from '../../scripts/ink-patches.mjs';

describe('the bounded cache given to Ink', () => {
	it('holds at most twice its limit however many keys go through it', () => {
		const cache = new BoundedCache<string, number>(100);
		for (let index = 0; index < 100_000; index++) cache.set(`clock ${index}`, index);
		expect(cache.size).toBeLessThanOrEqual(200);
		expect(cache.get('clock 99999')).toBe(99_999);
		expect(cache.get('clock 0')).toBeUndefined();
	});

	it('keeps what is still asked for while new keys stream past', () => {
		const cache = new BoundedCache<string, string>(50);
		cache.set('header', 'H');
		for (let index = 0; index < 10_000; index++) {
			cache.set(`log line ${index}`, 'x');
			// Asked for every frame, as a tile's border is.
			if (index % 20 === 0) expect(cache.get('header')).toBe('H');
		}
		expect(cache.get('header')).toBe('H');
	});
});

interface InkPieces {
	measureText(text: string): { width: number; height: number };
	wrapText(text: string, width: number, mode: string): string;
	Output: new (size: { width: number; height: number }) => { write(x: number, y: number, text: string, options: { transformers: unknown[] }): void; get(): { output: string } };
	/** Every BoundedCache Ink's modules made (none in Ink as shipped). */
	made: BoundedCache<unknown, unknown>[];
}

/**
 * Ink's own text-measuring modules, bundled as the build bundles them (scripts/ink-patches.mjs)
 * and as Ink ships them, each BoundedCache they make recorded: a clock and a log stream put new
 * text through them every second, as in a console left open.
 */
describe("Ink's text memos as the build patches them", () => {
	const ink = path.resolve('node_modules/ink/build');
	let work: string;
	let patched: InkPieces;
	let shipped: InkPieces;

	/** Each BoundedCache made is recorded in `made`, exported by the same bundle. */
	const recording = {
		name: 'recording-caches',
		setup(builder: { onResolve: (options: object, callback: () => object) => void; onLoad: (options: object, callback: () => object) => void }) {
			builder.onResolve({ filter: /^switchyard:bounded-cache$/ }, () => ({ path: 'bounded-cache', namespace: 'recording' }));
			builder.onLoad({ filter: /.*/, namespace: 'recording' }, () => ({
				contents: [
					`import { BoundedCache as Bounded } from ${JSON.stringify(path.resolve('source/app/ink/bounded-cache.ts'))};`,
					'export const made = [];',
					'export class BoundedCache extends Bounded { constructor(limit) { super(limit); made.push(this); } }',
				].join('\n'),
				loader: 'js',
				resolveDir: process.cwd(),
			}));
		},
	};

	const bundle = async (name: string, withPatches: boolean): Promise<InkPieces> => {
		const entry = path.join(work, `${name}-entry.js`);
		writeFileSync(
			entry,
			[
				`export { default as measureText } from ${JSON.stringify(`${ink}/measure-text.js`)};`,
				`export { default as wrapText } from ${JSON.stringify(`${ink}/wrap-text.js`)};`,
				`export { default as Output } from ${JSON.stringify(`${ink}/output.js`)};`,
				withPatches ? "export { made } from 'switchyard:bounded-cache';" : 'export const made = [];',
			].join('\n'),
		);
		const outfile = path.join(work, `${name}.mjs`);
		const plugins = withPatches ? [recording, inkPatches(['measure-text.js', 'wrap-text.js', 'output.js'])] : [];
		await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', plugins, logLevel: 'silent' });
		return (await import(pathToFileURL(outfile).href)) as InkPieces;
	};

	beforeAll(async () => {
		mkdirSync(path.resolve('test/.tmp'), { recursive: true });
		work = mkdtempSync(path.resolve('test/.tmp/ink-memos-'));
		[patched, shipped] = await Promise.all([bundle('patched', true), bundle('shipped', false)]);
	}, 60_000);

	afterAll(() => rmSync(work, { recursive: true, force: true }));

	/** A tile's clock and a streaming log line: new text every time. */
	const clock = (second: number): string => `web-${String(second % 200).padStart(3, '0')} switching ${Math.floor(second / 60)}m${String(second % 60).padStart(2, '0')}s  GET /api/orders?page=${second} 200`;

	it('measuring and wrapping a day of new text holds a bounded number of entries', () => {
		for (let second = 0; second < 20_000; second++) {
			const text = clock(second);
			expect(patched.measureText(text).width).toBe(text.length);
			patched.wrapText(text, 40, 'wrap');
			patched.wrapText(text, 30, 'truncate-end');
		}
		// One each for measure-text, wrap-text and output (tokenized lines): Ink's memos, all of them replaced.
		expect(patched.made).toHaveLength(3);
		for (const cache of patched.made) expect(cache.size).toBeLessThanOrEqual(2000);
	});

	it('frames of tokenized lines kept from frame to frame stay bounded', () => {
		const tokenized = patched.made.at(-1)!;
		for (let frame = 0; frame < 2000; frame++) {
			const output = new patched.Output({ width: 80, height: 5 });
			for (let row = 0; row < 5; row++) output.write(0, row, clock(frame * 5 + row), { transformers: [] });
			output.get();
		}
		expect(tokenized.size).toBeLessThanOrEqual(200);
	});

	it('draws every frame as Ink as shipped draws it', () => {
		// Rows that change, rows that stay, colours, wide characters, text over text, a row cleared.
		const frames = Array.from({ length: 40 }, (_, frame) => [
			[0, 0, '\u001B[1mswitchyard\u001B[22m  200 hosts'],
			[2, 1, `\u001B[32m●\u001B[39m web-001 ${clock(frame)}`],
			[0, 2, frame % 3 === 0 ? '' : `log ${frame % 5}: 部署 ok`],
			[4, 2, frame % 2 === 0 ? 'over' : ''],
			[0, 3, `\u001B[7m${' '.repeat(frame % 10)}selected\u001B[27m`],
		] as const);
		for (const writes of frames) {
			const draw = (pieces: InkPieces) => {
				const output = new pieces.Output({ width: 60, height: 5 });
				for (const [x, y, text] of writes) output.write(x, y, text, { transformers: [] });
				return output.get().output;
			};
			expect(draw(patched)).toBe(draw(shipped));
		}
		expect(shipped.made).toHaveLength(0);
	});
});
