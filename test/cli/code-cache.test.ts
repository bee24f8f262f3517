import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repo } from '../support/local-fleet.js';

/**
 * dist/cli.js starts the bundle from a code cache kept beside it (dist/.cache): Node's own
 * compile cache where Node has one (≥ 22.1), else a V8 code cache of the launcher's, keyed by
 * the build. A cache is only ever a shortcut: whatever is in it, the CLI does what it did.
 * Each test runs a copy of the built dist (inside the repo, so node_modules resolve).
 */
const ownCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache !== 'function';
const copies: string[] = [];
afterAll(() => {
	for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function distCopy(): string {
	const dir = path.join(repo, 'test', '.tmp', `dist-${randomBytes(4).toString('hex')}`);
	copies.push(dir);
	mkdirSync(dir, { recursive: true });
	for (const file of ['cli.js', 'switchyard.cjs', 'package.json']) copyFileSync(path.join(repo, 'dist', file), path.join(dir, file));
	return dir;
}

const run = (dist: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string =>
	execFileSync('node', [path.join(dist, 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

/** Files under dist/.cache: the launcher's (Node 20), or Node's compile cache. */
const cacheFiles = (dist: string): string[] => {
	const dir = path.join(dist, '.cache');
	return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name) : [];
};

describe('the launcher\'s code cache', () => {
	it('is written by a first start beside the build and read by the next; the CLI says the same either way', () => {
		const dist = distCopy();
		expect(cacheFiles(dist)).toEqual([]);
		const first = run(dist, ['--version']);
		expect(cacheFiles(dist).length).toBeGreaterThan(0);
		expect(run(dist, ['--version'])).toBe(first);
		expect(first).toMatch(/^switchyard \d/);
		// A command goes through the whole CLI: config errors are still worded as before.
		expect(() => run(dist, ['deploy', '--config', path.join(dist, 'none.toml')])).toThrow(/no such file/);
	});

	it.runIf(ownCache)('ignores a damaged cache and writes a good one; drops the files of another build', () => {
		const dist = distCopy();
		run(dist, ['--version']);
		const [file] = readdirSync(path.join(dist, '.cache')).filter((name) => name.endsWith('.v8'));
		expect(file).toMatch(/^[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+-[0-9a-f]+-console\.v8$/);
		const cache = path.join(dist, '.cache', file!);
		const good = readFileSync(cache);
		writeFileSync(cache, Buffer.concat([good.subarray(0, 64), randomBytes(good.length - 64)]));
		const stale = path.join(dist, '.cache', `0000000000000000-${file!.split('-').slice(1).join('-')}`);
		writeFileSync(stale, good);
		expect(run(dist, ['--version'])).toMatch(/^switchyard \d/);
		expect(readFileSync(cache).equals(good)).toBe(false);
		expect(readFileSync(cache).length).toBeGreaterThan(1000);
		expect(existsSync(stale)).toBe(false);
		// Each command keeps its own (what a deploy compiles is not what the console does).
		expect(() => run(dist, ['deploy', '--config', path.join(dist, 'none.toml')])).toThrow();
		expect(readdirSync(path.join(dist, '.cache')).some((name) => name.endsWith('-deploy.v8'))).toBe(true);
	});

	it('is not written with NODE_DISABLE_COMPILE_CACHE set', () => {
		const dist = distCopy();
		expect(run(dist, ['--version'], { NODE_DISABLE_COMPILE_CACHE: '1' })).toMatch(/^switchyard \d/);
		expect(cacheFiles(dist)).toEqual([]);
	});
});
