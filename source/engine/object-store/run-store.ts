import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { StoreConfig } from '../../config/types.js';
import { keptContent, type Artifact, type ArtifactFile } from '../artifact.js';
import type { EmitEvent } from '../events.js';
import { formatBytes } from '../format-bytes.js';
import { fileListText, linksText, shapeOfLinks, type Link, type PullBlock, type PulledObject } from '../remote/pull.js';
import { storeKey, type ObjectStore } from './object-store.js';
import { openObjectStore } from './open-object-store.js';
import { closureInCache, type CacheFile } from './nix-cache.js';

/** Where objects live under the prefix: contents (and file lists) by sha256; link sets apart, so a lifecycle rule can expire them. */
export const storeKeys = {
	content: (sha256: string) => `sha256/${sha256}`,
	/** A Nix binary cache's files, by their own (content-derived) names. */
	nix: (name: string) => `nix/${name}`,
	links: (sha256: string) => `links/${sha256}`,
} as const;

export interface RunStoreOptions {
	readonly emit: EmitEvent;
	/** When links are signed (tests sign in the past to see a store refuse an expired link). */
	readonly now?: () => Date;
	/** Opens the store (default: the S3 SDK). */
	readonly open?: (config: StoreConfig) => Promise<ObjectStore>;
	/** This machine's Nix binary cache dir (closures are written there, then uploaded). */
	readonly nixCache?: string;
}

/** Objects uploaded at once. */
const uploadsAtOnce = 8;

/** Progress lines at most this often. */
const progressEveryMs = 1000;

/**
 * The object store for one run: checked once before any host is touched, each artifact's
 * missing contents uploaded once whatever the number of hosts, and each host's pull block
 * (file list + its links) made from objects shared by every host that needs the same files.
 */
export class RunStore {
	private opened?: Promise<ObjectStore>;
	private readonly synced = new WeakMap<Artifact, Promise<void>>();
	/** Content keys this run knows are in the store. */
	private readonly present = new Set<string>();
	private readonly linkSets = new Map<string, { at: number; object: Promise<StoredObject> }>();
	private readonly fileLists = new Map<string, Promise<StoredObject>>();
	private readonly closures = new Map<string, Promise<CacheFile[]>>();
	private readonly now: () => Date;

	constructor(
		readonly config: StoreConfig,
		private readonly options: RunStoreOptions,
	) {
		this.now = options.now ?? (() => new Date());
	}

	private store(): Promise<ObjectStore> {
		this.opened ??= (this.options.open ?? openObjectStore)(this.config);
		return this.opened;
	}

	private say(line: string): void {
		this.options.emit({ type: 'log', host: null, stream: 'info', line: `store: ${line}` });
	}

	/** Bucket reachable, credentials accepted: throws a `StoreError` saying what to fix. */
	async check(): Promise<void> {
		await (await this.store()).check();
		this.say(`${this.config.url}${this.config.endpoint ? ` at ${this.config.endpoint}` : ''} answers`);
	}

	/** Uploads the artifact's contents the store lacks, once per artifact however many hosts ask. */
	sync(artifact: Artifact): Promise<void> {
		let done = this.synced.get(artifact);
		if (!done) {
			done = this.upload(artifact);
			this.synced.set(artifact, done);
		}
		return done;
	}

	private async upload(artifact: Artifact): Promise<void> {
		const store = await this.store();
		const byContent = new Map<string, ArtifactFile>();
		for (const file of artifact.files) if (!byContent.has(file.sha256)) byContent.set(file.sha256, file);
		const keys = [...byContent.keys()].map((sha) => storeKey(this.config, storeKeys.content(sha)));
		const there = await store.existing(storeKey(this.config, 'sha256/'), keys);
		for (const key of there) this.present.add(key);
		const missing = [...byContent.values()].filter((file) => !there.has(storeKey(this.config, storeKeys.content(file.sha256))));
		const total = missing.reduce((sum, file) => sum + file.size, 0);
		if (missing.length === 0) {
			this.say(`all ${byContent.size} contents of the artifact already in ${this.config.url}`);
			return;
		}
		this.say(`uploading ${missing.length} of ${byContent.size} contents (${formatBytes(total)}) to ${this.config.url}; ${byContent.size - missing.length} already there`);
		const started = Date.now();
		const sent = new Map<string, number>();
		let said = started;
		const progress = (sha: string, bytes: number) => {
			sent.set(sha, bytes);
			if (Date.now() - said < progressEveryMs) return;
			said = Date.now();
			this.say(`${formatBytes([...sent.values()].reduce((sum, each) => sum + each, 0))} of ${formatBytes(total)} uploaded`);
		};
		const limit = pLimit(uploadsAtOnce);
		await Promise.all(
			missing.map((file) =>
				limit(async () => {
					const key = storeKey(this.config, storeKeys.content(file.sha256));
					const kept = keptContent(artifact, file.path);
					await store.put(key, kept ?? (() => createReadStream(path.join(artifact.dir, file.path))), file.size, (bytes) => progress(file.sha256, bytes));
					this.present.add(key);
				}),
			),
		);
		this.say(`${missing.length} contents (${formatBytes(total)}) uploaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}

	/**
	 * What a host needs to pull `fetch` (the rest of `listed`, the generation's files, it links from
	 * the generation it reuses): the generation's file list and a set of links to those files,
	 * both objects of the store, and links to them. Hosts that need the same files share one link
	 * set while it is fresh (signed less than half its lifetime ago); `fresh` signs a new one (a
	 * host was refused an old one). `artifact` is synced first (its contents uploaded once).
	 */
	async pullBlock(request: { readonly artifact: Artifact; readonly listed: readonly ArtifactFile[]; readonly fetch: readonly ArtifactFile[]; readonly fresh?: boolean }): Promise<PullBlock> {
		await this.sync(request.artifact);
		const list = await this.fileList(request.listed);
		const links = await this.linkSet(request.fetch, request.fresh ?? false);
		const [listUrl, linksUrl] = await this.sign([storeKey(this.config, storeKeys.content(list.sha256)), storeKey(this.config, storeKeys.links(links.sha256))]);
		return { list: { ...list, url: listUrl! }, links: { ...links, url: linksUrl! } };
	}

	/** The generation's file list as an object, by its own sha256 (uploaded once, like any content). */
	private fileList(files: readonly ArtifactFile[]): Promise<StoredObject> {
		const text = fileListText(files);
		const sha256 = hashOf(text);
		let object = this.fileLists.get(sha256);
		if (!object) {
			object = this.putOnce(storeKeys.content(sha256), text).then(() => ({ sha256, size: Buffer.byteLength(text) }));
			this.fileLists.set(sha256, object);
		}
		return object;
	}

	private linkSet(files: readonly ArtifactFile[], fresh: boolean): Promise<StoredObject> {
		const need = hashOf(files.map((file) => `${file.sha256} ${file.path}\n`).join(''));
		const known = this.linkSets.get(need);
		const stillFresh = known && Date.now() - known.at < (this.config.urlTtlSeconds * 1000) / 2;
		if (known && stillFresh && !fresh) return known.object;
		const object = (async () => {
			const keys = files.map((file) => storeKeys.content(file.sha256));
			const urls = await this.sign(keys.map((key) => storeKey(this.config, key)));
			const { shape, signatures } = shapeOfLinks(urls, keys.map((key) => key.slice('sha256/'.length)));
			const links: Link[] = files.map((file, index) => ({ sha256: file.sha256, signature: signatures[index]!, key: file.sha256, size: file.size, target: file.path }));
			const text = linksText(shape, links);
			const sha256 = hashOf(text);
			await this.put(storeKeys.links(sha256), text);
			return { sha256, size: Buffer.byteLength(text) };
		})();
		object.catch(() => this.linkSets.delete(need));
		this.linkSets.set(need, { at: Date.now(), object });
		return object;
	}

	private async sign(keys: readonly string[]): Promise<string[]> {
		return (await this.store()).sign(keys, this.config.urlTtlSeconds, this.now());
	}

	private async putOnce(key: string, text: string): Promise<void> {
		const full = storeKey(this.config, key);
		if (this.present.has(full)) return;
		const store = await this.store();
		if ((await store.existing(full, [full])).size === 0) await store.put(full, Buffer.from(text), Buffer.byteLength(text));
		this.present.add(full);
	}

	private async put(key: string, text: string): Promise<void> {
		await (await this.store()).put(storeKey(this.config, key), Buffer.from(text), Buffer.byteLength(text));
	}

	/**
	 * A nix closure for hosts to substitute from the store: put into this machine's binary cache
	 * (`options.nixCache`), what the store lacks of it uploaded once per run, and a link set to its
	 * files, signed anew on every call (the host fetches the NARs it lacks).
	 */
	async nixLinks(storePath: string): Promise<PulledObject> {
		const cacheDir = this.options.nixCache;
		if (!cacheDir) throw new Error('no binary cache directory on this machine for nix closures');
		let files = this.closures.get(storePath);
		if (!files) {
			files = this.uploadClosure(storePath, cacheDir);
			files.catch(() => this.closures.delete(storePath));
			this.closures.set(storePath, files);
		}
		const closure = await files;
		const keys = closure.map((file) => storeKeys.nix(file.name));
		const urls = await this.sign(keys.map((key) => storeKey(this.config, key)));
		const { shape, signatures } = shapeOfLinks(urls, closure.map((file) => file.name));
		const text = linksText(shape, closure.map((file, index) => ({ sha256: file.sha256, signature: signatures[index]!, key: file.name, size: file.size, target: file.storePath })));
		const sha256 = hashOf(text);
		await this.put(storeKeys.links(sha256), text);
		const [url] = await this.sign([storeKey(this.config, storeKeys.links(sha256))]);
		return { sha256, size: Buffer.byteLength(text), url: url! };
	}

	private async uploadClosure(storePath: string, cacheDir: string): Promise<CacheFile[]> {
		const closure = await closureInCache(storePath, cacheDir);
		const store = await this.store();
		const keys = closure.map((file) => storeKey(this.config, storeKeys.nix(file.name)));
		const there = await store.existing(storeKey(this.config, 'nix/'), keys);
		const missing = closure.filter((file, index) => !there.has(keys[index]!));
		const total = missing.reduce((sum, file) => sum + file.size, 0);
		if (missing.length > 0) this.say(`uploading ${missing.length} of ${closure.length} binary cache files of ${storePath} (${formatBytes(total)})`);
		const limit = pLimit(uploadsAtOnce);
		await Promise.all(missing.map((file) => limit(() => store.put(storeKey(this.config, storeKeys.nix(file.name)), () => createReadStream(path.join(cacheDir, file.name)), file.size))));
		return closure;
	}

	/**
	 * A content object that does not match its key: removed, so that the next run uploads it
	 * again. Says whether that worked (the credentials may not allow deleting).
	 */
	async removeContent(sha256: string): Promise<boolean> {
		const key = storeKey(this.config, storeKeys.content(sha256));
		try {
			await (await this.store()).remove(key);
			this.present.delete(key);
			return true;
		} catch {
			return false;
		}
	}

	close(): void {
		void this.opened?.then((store) => store.close()).catch(() => undefined);
	}
}

/** An object put in the store for a pull, before it is signed. */
type StoredObject = Omit<PulledObject, 'url'>;

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');
