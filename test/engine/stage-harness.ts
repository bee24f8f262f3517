import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { diffArtifact, fingerprint, parseManifest, parseModes, withoutShared, type Artifact } from '../../source/engine/artifact.js';
import type { GenerationStatus } from '../../source/engine/events.js';
import { generationArchive } from '../../source/engine/generation-archive.js';
import { marker } from '../../source/engine/remote/quote.js';
import { stageFromHeader, stageGeneration, stageHeader } from '../../source/engine/remote/stage.js';

/** Temp dirs made by a test file, removed after it. */
export function tempDirs(): (prefix: string) => string {
	const made: string[] = [];
	afterAll(() => {
		for (const dir of made) rmSync(dir, { recursive: true, force: true });
	});
	return (prefix) => {
		const dir = mkdtempSync(path.join(tmpdir(), `sy-${prefix}-`));
		made.push(dir);
		return dir;
	};
}

/** Writes files (path → content) under `dir`; a content of `null` makes an empty dir. */
export function writeTree(dir: string, files: Readonly<Record<string, string | null>>): void {
	for (const [file, content] of Object.entries(files)) {
		const target = path.join(dir, file);
		if (content === null) mkdirSync(target, { recursive: true });
		else {
			mkdirSync(path.dirname(target), { recursive: true });
			writeFileSync(target, content);
		}
	}
}

export function manyFiles(count: number, content = (index: number) => `file ${index}\n`): Record<string, string> {
	return Object.fromEntries(Array.from({ length: count }, (_, index) => [`assets/${Math.floor(index / 100)}/f${index}.txt`, content(index)]));
}

export interface StageRun {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
	readonly markers: string[];
	readonly artifact: Artifact;
}

export interface StageOptions {
	readonly root: string;
	readonly artifactDir: string;
	readonly id: number;
	/** Generation to hard-link unchanged files from; its manifest decides what is unchanged. */
	readonly reuseFrom?: number | null;
	readonly shared?: readonly string[];
	/** The shared dirs the archive leaves out; by default `shared`, as the engine does. */
	readonly archiveShared?: readonly string[];
	/** Stage with the header read from stdin (the preflight round trip) instead of the id in the script. */
	readonly viaHeader?: boolean;
	readonly status?: GenerationStatus;
	/** Extra environment for the shell (e.g. a PATH of counting shims). */
	readonly env?: NodeJS.ProcessEnv;
	/** Wraps the command that runs the script (e.g. `unshare …`). */
	readonly wrap?: readonly string[];
	/** Shell run before the stage script, in the same shell; the script does not run if it fails. */
	readonly prelude?: string;
}

/** Builds the generation's tar exactly as the engine does and pipes it into the stage script in a real `sh`. */
export async function stageOnDisk(options: StageOptions): Promise<StageRun> {
	const reuseFrom = options.reuseFrom ?? null;
	// What the lock script makes before any stage.
	for (const dir of ['generations', 'shared']) mkdirSync(path.join(options.root, dir), { recursive: true });
	const artifact = await fingerprint(options.artifactDir);
	const previousFile = (name: string) => path.join(options.root, 'generations', String(reuseFrom), '.switchyard', name);
	const previous = reuseFrom === null ? null : parseManifest(readFileSync(previousFile('manifest.sha256'), 'utf8'));
	const previousModes = reuseFrom === null || !existsSync(previousFile('modes')) ? null : parseModes(readFileSync(previousFile('modes'), 'utf8'));
	const shared = options.shared ?? [];
	// As the releases strategy does: what lies under a shared dir is not part of the generation.
	const archiveShared = options.archiveShared ?? shared;
	const diff = diffArtifact(previous, withoutShared(artifact, archiveShared), previousModes);
	const created = new Date(Date.UTC(2026, 10, 21, 23, 40, options.id)).toISOString();
	const archive = generationArchive({
		artifact,
		metadata: { id: options.id, release: `r${options.id}`, created, by: 'test@here', host: 'h1', files: artifact.files.length, bytes: artifact.bytes },
		env: `SWITCHYARD_GENERATION="${options.id}"\n`,
		unchanged: reuseFrom === null ? new Set() : diff.unchanged,
		status: options.status,
		shared: archiveShared,
	});
	const text = options.viaHeader ? stageFromHeader({ root: options.root, shared }) : stageGeneration({ root: options.root, id: options.id, reuseFrom, shared });
	const full = options.prelude ? `{ ${options.prelude}; } || exit 99\n${text}` : text;
	const stdin = options.viaHeader ? Readable.from(prefixed(stageHeader(options.id, reuseFrom), archive)) : archive;
	return { ...(await runShell(full, stdin, options)), artifact };
}

async function* prefixed(first: string, rest: Readable): AsyncGenerator<Buffer> {
	yield Buffer.from(first);
	for await (const chunk of rest) yield chunk as Buffer;
}

export function runShell(text: string, stdin: Readable | string, options: Pick<StageOptions, 'env' | 'wrap'> = {}): Promise<Omit<StageRun, 'artifact'>> {
	const command = [...(options.wrap ?? []), '/bin/sh', '-c', text];
	const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	child.stdin.on('error', () => {});
	if (typeof stdin === 'string') child.stdin.end(stdin);
	else stdin.pipe(child.stdin);
	return new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code) => {
			const markers = stdout
				.split('\n')
				.filter((line) => line.startsWith(marker))
				.map((line) => line.slice(marker.length));
			resolve({ code, stdout, stderr, markers });
		});
	});
}

/**
 * A PATH of shims that log every external command the shell starts, then run the real one:
 * `count()` says how many processes a script started (the shell itself not included).
 */
export function countingPath(dir: string): { readonly env: NodeJS.ProcessEnv; count(): number; commands(): string[] } {
	const shims = path.join(dir, 'shims');
	const log = path.join(dir, 'commands.log');
	mkdirSync(shims, { recursive: true });
	const realPath = process.env.PATH ?? '/usr/bin:/bin';
	const counter = path.join(dir, 'count-and-run');
	writeFileSync(counter, `#!/bin/sh\nname=\${0##*/}\nprintf '%s\\n' "$name" >> "$SY_COUNT_LOG"\nPATH="$SY_REAL_PATH"\nexec "$name" "$@"\n`);
	chmodSync(counter, 0o755);
	for (const bin of realPath.split(':')) {
		if (!existsSync(bin)) continue;
		for (const name of readdirSync(bin)) {
			const shim = path.join(shims, name);
			if (!existsSync(shim) && /^[\w.+-]+$/.test(name)) symlinkSync(counter, shim);
		}
	}
	const commands = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
	return {
		env: { PATH: shims, SY_REAL_PATH: realPath, SY_COUNT_LOG: log },
		count: () => commands().length,
		commands,
	};
}

export const resetCount = (dir: string): void => rmSync(path.join(dir, 'commands.log'), { force: true });
