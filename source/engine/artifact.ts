import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { FileChange } from './events.js';

export interface ArtifactFile {
	/** Relative, "/"-separated. */
	readonly path: string;
	readonly size: number;
	readonly mode: number;
	readonly sha256: string;
}

export interface ArtifactLink {
	readonly path: string;
	readonly target: string;
}

export interface ArtifactDir {
	readonly path: string;
	readonly mode: number;
}

/** What a build produced: every regular file with its checksum, and symlinks as they are. */
export interface Artifact {
	readonly dir: string;
	readonly files: readonly ArtifactFile[];
	readonly links: readonly ArtifactLink[];
	/** Directories with nothing in them, which no file would bring along. */
	readonly emptyDirs?: readonly ArtifactDir[];
	readonly bytes: number;
	/** Set when the artifact is a Nix build result: the store path it points to (not walked). */
	readonly storePath?: string;
}

/** Names that the stage script writes itself; an artifact may not bring its own. */
const reserved = new Set(['.switchyard', '.env']);

/** What a host could not be given: a name for each kind of dir entry that is not a file, dir or symlink. */
const notDeployable = [
	['a FIFO', (entry: Dirent<Buffer>) => entry.isFIFO()],
	['a socket', (entry: Dirent<Buffer>) => entry.isSocket()],
	['a block device', (entry: Dirent<Buffer>) => entry.isBlockDevice()],
	['a character device', (entry: Dirent<Buffer>) => entry.isCharacterDevice()],
] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function fingerprint(dir: string): Promise<Artifact> {
	const resolved = await realpath(dir);
	if (resolved.startsWith('/nix/store/')) return { dir, files: [], links: [], bytes: 0, storePath: resolved };
	const found: { path: string; absolute: string }[] = [];
	const links: ArtifactLink[] = [];
	const emptyDirs: ArtifactDir[] = [];
	const walk = async (relative: string): Promise<void> => {
		// Names as bytes: one that is not UTF-8 can be named in the refusal instead of failing with ENOENT.
		const listed = await readdir(path.join(dir, relative), { withFileTypes: true, encoding: 'buffer' });
		const entries = listed.map((entry) => ({ entry, name: entryName(relative, entry.name) })).filter(({ name }) => relative || !reserved.has(name));
		entries.sort((a, b) => (a.name < b.name ? -1 : 1));
		if (entries.length === 0 && relative) emptyDirs.push({ path: relative, mode: (await lstat(path.join(dir, relative))).mode & 0o777 });
		for (const { entry, name } of entries) {
			const child = relative ? `${relative}/${name}` : name;
			if (/[\n\r\\]/.test(child)) throw new Error(`artifact file name not supported (newline or backslash): ${JSON.stringify(child)}`);
			const absolute = path.join(dir, child);
			const odd = notDeployable.find(([, is]) => is(entry));
			if (odd) throw new Error(`artifact has ${odd[0]} at ${JSON.stringify(child)}: only files, directories and symlinks can be deployed (remove it from ${dir})`);
			if (entry.isDirectory()) await walk(child);
			else if (entry.isSymbolicLink()) links.push({ path: child, target: await readlink(absolute) });
			else if (entry.isFile()) found.push({ path: child, absolute });
		}
	};
	await walk('');
	// Several files at once: one at a time, a few hundred small files cost more in waiting than in hashing.
	const store: KeptFiles = { bytes: 0, files: new Map() };
	const limit = pLimit(8);
	const files = await Promise.all(
		found.map(({ path: file, absolute }) =>
			limit(async (): Promise<ArtifactFile> => {
				const stat = await lstat(absolute);
				const keep = store.bytes + stat.size <= keptBytesPerArtifact;
				if (keep) store.bytes += stat.size;
				// A file read here is kept for the upload, which would otherwise read it again for every host.
				const data = keep ? await readFile(absolute) : undefined;
				if (data) store.files.set(file, data);
				const sha256 = data ? createHash('sha256').update(data).digest('hex') : await hashFile(absolute);
				return { path: file, size: data?.length ?? stat.size, mode: stat.mode & 0o777, sha256 };
			}),
		),
	);
	const artifact: Artifact = { dir, files, links, emptyDirs, bytes: files.reduce((sum, file) => sum + file.size, 0) };
	kept.set(artifact, store);
	return artifact;
}

/**
 * Every host of a run ships the same files: up to this many bytes of an artifact are kept in
 * memory from its fingerprinting on; the rest is streamed from disk for each host.
 */
const keptBytesPerArtifact = 64 * 1024 * 1024;

interface KeptFiles {
	bytes: number;
	readonly files: Map<string, Buffer>;
}

const kept = new WeakMap<Artifact, KeptFiles>();

/** A file's content as read when the artifact was fingerprinted, if it was kept. */
export const keptContent = (artifact: Artifact, file: string): Buffer | undefined => kept.get(artifact)?.files.get(file);

/** A dir entry's name as text; one that is not UTF-8 is refused, named with its odd bytes as \xNN. */
function entryName(parent: string, name: Buffer): string {
	try {
		return utf8.decode(name);
	} catch {
		const shown = [...name].map((byte) => (byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`)).join('');
		throw new Error(`artifact file name is not valid UTF-8: ${parent ? `${parent}/` : ''}${shown} (rename it: names are sent and checked as UTF-8)`);
	}
}

/**
 * Symlinks that lead out of the artifact: an absolute target, or a relative one that climbs
 * above the artifact's root, also by way of other links of the artifact (`a -> b`, `b -> /etc`:
 * both). On a host such a link points into the host's own filesystem.
 */
export function linksLeavingArtifact(artifact: Pick<Artifact, 'links'>): ArtifactLink[] {
	const targets = new Map(artifact.links.map((link) => [link.path, link.target]));
	return artifact.links.filter((link) => leavesArtifact(link, targets));
}

/** Resolves a link as the kernel would, component by component, against the artifact's own links. */
function leavesArtifact(link: ArtifactLink, targets: ReadonlyMap<string, string>): boolean {
	const at = link.path.split('/').slice(0, -1);
	let pending = link.target.split('/');
	if (link.target.startsWith('/')) return true;
	// The kernel gives up after 40 links; a loop dangles inside the artifact, it leads nowhere outside.
	for (let hops = 0; pending.length > 0; ) {
		const part = pending.shift()!;
		if (part === '' || part === '.') continue;
		if (part === '..') {
			if (at.length === 0) return true;
			at.pop();
			continue;
		}
		const next = targets.get([...at, part].join('/'));
		if (next === undefined) at.push(part);
		else if (next.startsWith('/')) return true;
		else if (++hops > 40) return false;
		else pending = [...next.split('/'), ...pending];
	}
	return false;
}

function hashFile(file: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(file)
			.on('data', (chunk) => hash.update(chunk))
			.on('end', () => resolve(hash.digest('hex')))
			.on('error', reject);
	});
}

/**
 * The artifact as a generation with these shared dirs holds it: what lies at or under a shared
 * dir is replaced by the link to `<root>/shared/<dir>`, so it is neither sent, linked, nor listed
 * in the generation's manifest (a manifest entry there would be "unchanged" next time and be
 * hard-linked through the old generation's shared link).
 */
export function withoutShared(artifact: Artifact, shared: readonly string[]): Artifact {
	const outside = ({ path: file }: { path: string }) => !shared.some((dir) => file === dir || file.startsWith(`${dir}/`));
	if (shared.length === 0 || ![...artifact.files, ...artifact.links, ...(artifact.emptyDirs ?? [])].some((entry) => !outside(entry))) return artifact;
	const files = artifact.files.filter(outside);
	const view: Artifact = { ...artifact, files, links: artifact.links.filter(outside), emptyDirs: artifact.emptyDirs?.filter(outside), bytes: files.reduce((sum, file) => sum + file.size, 0) };
	const store = kept.get(artifact);
	if (store) kept.set(view, store);
	return view;
}

/** sha256sum's own format, so a host can verify a generation with `sha256sum -c`. */
export const manifestText = (artifact: Artifact): string => artifact.files.map((file) => `${file.sha256}  ${file.path}\n`).join('');

export function parseManifest(text: string): Map<string, string> {
	const entries = new Map<string, string>();
	for (const line of text.split('\n')) {
		const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
		if (match) entries.set(match[2]!, match[1]!);
	}
	return entries;
}

export interface ArtifactDiff {
	readonly added: number;
	readonly changed: number;
	readonly removed: number;
	readonly bytes: number;
	/** Files identical to the current generation's: hard-linked on the host instead of sent. */
	readonly unchanged: ReadonlySet<string>;
	/** The files the counts count, by path (at most `maxListedChanges`): what the switch question lists. */
	readonly changes: readonly FileChange[];
}

/** At most this many changes are kept for a staged host (a dialog shows a screenful; the counts are exact anyway). */
export const maxListedChanges = 2000;

/**
 * `.switchyard/modes`: `<octal mode> <path>` for each file whose mode is not 0644. A hard link
 * keeps the old inode's mode, so a file whose mode changed must be sent again: the next diff
 * reads this to know.
 */
export const modesText = (artifact: Pick<Artifact, 'files'>): string =>
	artifact.files
		.filter((file) => file.mode !== defaultMode)
		.map((file) => `${file.mode.toString(8)} ${file.path}\n`)
		.join('');

export function parseModes(text: string): Map<string, number> {
	const modes = new Map<string, number>();
	for (const line of text.split('\n')) {
		const match = /^([0-7]{3,4}) (.+)$/.exec(line);
		if (match) modes.set(match[2]!, Number.parseInt(match[1]!, 8));
	}
	return modes;
}

const defaultMode = 0o644;

/**
 * What changes from the current generation (`current`: its manifest) to the artifact. A file is
 * unchanged, and hard-linked, only when its checksum and its mode are the same; `currentModes`
 * null (a generation staged before modes were recorded) compares checksums only.
 */
export function diffArtifact(current: ReadonlyMap<string, string> | null, artifact: Artifact, currentModes: ReadonlyMap<string, number> | null = null): ArtifactDiff {
	const unchanged = new Set<string>();
	const changes: FileChange[] = [];
	let bytes = 0;
	for (const file of artifact.files) {
		const before = current?.get(file.path);
		if (before === file.sha256 && (currentModes === null || (currentModes.get(file.path) ?? defaultMode) === file.mode)) unchanged.add(file.path);
		else {
			changes.push({ path: file.path, change: before === undefined ? 'added' : 'changed', bytes: file.size, sha256: file.sha256 });
			bytes += file.size;
		}
	}
	const paths = new Set(artifact.files.map((file) => file.path));
	for (const [path, sha256] of current ?? []) if (!paths.has(path)) changes.push({ path, change: 'removed', sha256 });
	const count = (change: FileChange['change']) => changes.filter((each) => each.change === change).length;
	const listed = changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).slice(0, maxListedChanges);
	return { added: count('added'), changed: count('changed'), removed: count('removed'), bytes, unchanged, changes: listed };
}
