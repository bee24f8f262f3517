import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import zlib from 'node:zlib';

/**
 * dist/cli.js, what `switchyard` runs: it starts dist/switchyard.cjs (the whole CLI, one
 * script) from a V8 code cache, so a start does not parse and compile again what an earlier
 * start compiled, most of what stood between `node` and the console's first frame. On Node ≥
 * 22.1 that is Node's own compile cache (`module.enableCompileCache`); on Node 20 a code cache
 * of our own (`vm.Script` cachedData, written at exit when there was none that fit). Both are
 * keyed by the build: scripts/build.mjs sets `SWITCHYARD_BUILD` to a hash of the bundle, and a
 * new build's first start prunes the files of older ones. NODE_DISABLE_COMPILE_CACHE=1 turns
 * both off, as it does Node's.
 */
declare const SWITCHYARD_BUILD: string;

const dist = __dirname;
const bundle = path.join(dist, 'switchyard.cjs');

/** Commands whose starts compile different parts of the bundle, each with a cache of its own (anything else is the console). */
const commandWords = new Set(['deploy', 'generations', 'rollback', 'check', 'logs', 'runs', 'help']);

function cacheDir(): string {
	try {
		// Beside the build when it can be written (a checkout, a user's own install)…
		accessSync(dist, constants.W_OK);
		return path.join(dist, '.cache');
	} catch {
		// …else the user's cache dir: never a shared temp dir another user could write into.
		return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'switchyard');
	}
}

const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
const enableCompileCache = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;

if (process.env.NODE_DISABLE_COMPILE_CACHE) createRequire(__filename)(bundle);
else if (typeof enableCompileCache === 'function') {
	enableCompileCache(path.join(cacheDir(), 'node'));
	createRequire(__filename)(bundle);
} else runFromCodeCache();

/** Node 20: the bundle compiled as one script with cached data from an earlier start, when there is some that fits. */
function runFromCodeCache(): void {
	const dir = cacheDir();
	const mode = process.argv.slice(2).find((word) => commandWords.has(word)) ?? 'console';
	// V8 refuses a cache made under other flags: each set of flags gets its own file.
	const flags = hash([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
	const cacheFile = path.join(dir, `${SWITCHYARD_BUILD}-${process.version}-${process.arch}-${flags}-${mode}.v8`);
	const cachedData = readCache(cacheFile);
	// One line of wrapper, so the bundle's lines (and its source map) stay where they are.
	const source = `(function (exports, require, module, __filename, __dirname) {\n${readFileSync(bundle, 'utf8')}\n})`;
	const script = new vm.Script(source, { filename: bundle, lineOffset: -1, cachedData });
	if (crc32 && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => writeCache(script, dir, cacheFile));
	const module = { exports: {} };
	(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dist);
}

/**
 * The cached data, if a whole file of it is there. V8 checks its version, its flags and the
 * source's length, but trusts the rest: a damaged file would crash the process, so each file
 * starts with a CRC-32 of what follows (zlib.crc32: Node ≥ 20.15; before it, no cache).
 */
function readCache(file: string): Buffer | undefined {
	if (!crc32) return undefined;
	try {
		const content = readFileSync(file);
		const data = content.subarray(4);
		return content.length > 4 && content.readUInt32LE(0) === crc32(data) ? data : undefined;
	} catch {
		// None yet: made at exit.
		return undefined;
	}
}

/** At exit, so the cache holds every function this run compiled, not only the top level. */
function writeCache(script: vm.Script, dir: string, file: string): void {
	try {
		mkdirSync(dir, { recursive: true });
		for (const name of readdirSync(dir)) if (name.endsWith('.v8') && !name.startsWith(`${SWITCHYARD_BUILD}-`)) rmSync(path.join(dir, name), { force: true });
		// Renamed into place: a start at the same moment reads a whole file or none.
		const draft = `${file}.${process.pid}`;
		const data = script.createCachedData();
		const sum = Buffer.alloc(4);
		sum.writeUInt32LE(crc32!(data));
		writeFileSync(draft, Buffer.concat([sum, data]));
		renameSync(draft, file);
	} catch {
		// A cache is only a shortcut: without one the next start compiles, as this one did.
	}
}

/** A short name for a string (FNV-1a). */
function hash(text: string): string {
	let value = 0x811c9dc5;
	for (let index = 0; index < text.length; index++) value = Math.imul(value ^ text.charCodeAt(index), 0x01000193);
	return (value >>> 0).toString(16);
}
