import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffArtifact, fingerprint, manifestText, modesText, parseManifest, parseModes, type Artifact } from '../../source/engine/artifact.js';
import { mask, textCleaner } from '../../source/engine/clean-output.js';
import { pullArchive } from '../../source/engine/object-store/pull-archive.js';
import { RunStore, storeKeys } from '../../source/engine/object-store/run-store.js';
import { fetchFunctions, readFetched, readFetchFailure } from '../../source/engine/remote/fetch.js';
import { fileListText, linksText, pullBlockText, pullIntoPartial, pullStageHeader, shapeOfLinks } from '../../source/engine/remote/pull.js';
import { nixPullBlockText, pullClosure } from '../../source/engine/remote/nix-pull.js';
import { stageFromHeader } from '../../source/engine/remote/stage.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { runShell, tempDirs, writeTree } from './stage-harness.js';

const temp = tempDirs();

/**
 * The host's side of a pull, run in a real `sh` against a real S3-compatible server: the links
 * the engine signs, the block and the tar it sends, and what lands in `generations/`.
 */
describe('pull into a releases generation (real sh, real store)', () => {
	let server: S3Server;
	let client: S3Client;
	const saved = { ...process.env };

	beforeAll(async () => {
		server = await startS3Server();
		Object.assign(process.env, server.env);
		client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
	});
	afterAll(async () => {
		process.env = saved;
		client?.destroy();
		await server?.stop();
	});

	const storeConfig = (prefix: string, ttl = 900) => ({ url: `s3://${server.bucket}/${prefix}`, bucket: server.bucket, prefix, endpoint: server.endpoint, region: 'us-east-1', urlTtlSeconds: ttl });

	/** Stages generation `id` of `dir` under `root` by pulling, as the releases strategy would. */
	async function pullStage(options: { root: string; artifact: Artifact; id: number; store: RunStore; env?: NodeJS.ProcessEnv }) {
		const { root, artifact, id, store } = options;
		mkdirSync(path.join(root, 'generations'), { recursive: true });
		const previous = id > 1 ? path.join(root, 'generations', String(id - 1), '.switchyard') : undefined;
		const manifest = previous ? parseManifest(readFileSync(path.join(previous, 'manifest.sha256'), 'utf8')) : null;
		const modes = previous && existsSync(path.join(previous, 'modes')) ? parseModes(readFileSync(path.join(previous, 'modes'), 'utf8')) : null;
		const diff = diffArtifact(manifest, artifact, modes);
		const reuseFrom = manifest && diff.unchanged.size > 0 ? id - 1 : null;
		const fetch = artifact.files.filter((file) => reuseFrom === null || !diff.unchanged.has(file.path));
		const block = await store.pullBlock({ artifact, listed: artifact.files, fetch });
		const created = new Date(Date.UTC(2026, 10, 21, 23, 40, id)).toISOString();
		const tar = pullArchive({ artifact, metadata: { id, release: `r${id}`, created, by: 'test', host: 'h1', files: artifact.files.length, bytes: artifact.bytes }, env: 'A="1"\n', status: 'staged' });
		const text = stageFromHeader({ root, shared: [], pull: pullIntoPartial() });
		const stdin = Readable.from(
			(async function* () {
				yield Buffer.from(pullStageHeader(id, reuseFrom) + pullBlockText(block));
				for await (const chunk of tar) yield chunk as Buffer;
			})(),
		);
		return { ...(await runShell(text, stdin, { env: options.env })), fetch };
	}

	const generationDir = (root: string, id: number) => path.join(root, 'generations', String(id));
	const leftovers = (root: string) => readdirSync(path.join(root, 'generations')).filter((name) => !/^\d+$/.test(name));

	it('fetches every file of a first deploy in one process, checks them, writes manifest and modes; the next fetches only what changed', async () => {
		const dir = temp('pull-art');
		writeTree(dir, { 'app.js': 'console.log(1)\n', 'assets/a b "c".css': 'body{}\n', 'assets/deep/x.txt': 'x\n', 'same-1.txt': 'same\n', 'same-2.txt': 'same\n', 'empty/': null });
		chmodSync(path.join(dir, 'app.js'), 0o755);
		symlinkSync('app.js', path.join(dir, 'main'));
		const root = temp('pull-root');
		const store = new RunStore(storeConfig('first'), { emit: () => {} });
		const artifact = await fingerprint(dir);
		const before = server.requests.length;
		const first = await pullStage({ root, artifact, id: 1, store });
		expect(first.code, first.stderr).toBe(0);
		expect(first.markers).toContain('staged 1');
		expect(readFetched(first.markers)).toBe(5);
		const gen = generationDir(root, 1);
		for (const file of artifact.files) expect(readFileSync(path.join(gen, file.path), 'utf8')).toBe(readFileSync(path.join(dir, file.path), 'utf8'));
		expect(statSync(path.join(gen, 'app.js')).mode & 0o777).toBe(0o755);
		expect(statSync(path.join(gen, 'assets/deep/x.txt')).mode & 0o777).toBe(0o644);
		expect(readlinkSync(path.join(gen, 'main'))).toBe('app.js');
		expect(lstatSync(path.join(gen, 'empty')).isDirectory()).toBe(true);
		expect(readFileSync(path.join(gen, '.switchyard/manifest.sha256'), 'utf8')).toBe(manifestText(artifact));
		expect(readFileSync(path.join(gen, '.switchyard/modes'), 'utf8')).toBe(modesText(artifact));
		expect(readFileSync(path.join(gen, '.env'), 'utf8')).toBe('A="1"\n');
		expect(existsSync(path.join(gen, '.switchyard/pull'))).toBe(false);
		expect(leftovers(root)).toEqual([]);
		// Four contents (two files share one), the file list and the link set were uploaded; the host got the list, the links and five files by link.
		const served = server.requests.slice(before);
		expect(served.filter((request) => request.method === 'PUT').length).toBe(6);
		expect(served.filter((request) => request.presigned && request.method === 'GET').length).toBe(7);

		writeFileSync(path.join(dir, 'assets/deep/x.txt'), 'changed\n');
		const changed = await fingerprint(dir);
		const again = server.requests.length;
		const second = await pullStage({ root, artifact: changed, id: 2, store });
		expect(second.code, second.stderr).toBe(0);
		expect(second.fetch.map((file) => file.path)).toEqual(['assets/deep/x.txt']);
		expect(readFetched(second.markers)).toBe(1);
		const gen2 = generationDir(root, 2);
		expect(readFileSync(path.join(gen2, 'assets/deep/x.txt'), 'utf8')).toBe('changed\n');
		// Unchanged files are the same inodes as generation 1's.
		expect(statSync(path.join(gen2, 'assets/a b "c".css')).ino).toBe(statSync(path.join(gen, 'assets/a b "c".css')).ino);
		expect(statSync(path.join(gen2, 'app.js')).mode & 0o777).toBe(0o755);
		const gets = server.requests.slice(again).filter((request) => request.presigned && request.method === 'GET');
		expect(gets.map((request) => request.path.split('/').at(-2))).toEqual(['sha256', 'links', 'sha256']);
		expect(server.requests.slice(again).filter((request) => request.method === 'PUT').length).toBe(3);
	});

	it('refuses a store object that does not match its hash: nothing staged, the file named', async () => {
		const dir = temp('pull-bad');
		writeTree(dir, { 'ok.txt': 'fine\n', 'web/bad.js': 'the real content\n' });
		const artifact = await fingerprint(dir);
		const bad = artifact.files.find((file) => file.path === 'web/bad.js')!;
		await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `corrupt/${storeKeys.content(bad.sha256)}`, Body: 'something else\n' }));
		const root = temp('pull-bad-root');
		const result = await pullStage({ root, artifact, id: 1, store: new RunStore(storeConfig('corrupt'), { emit: () => {} }) });
		expect(result.code).not.toBe(0);
		expect(readFetchFailure(result.markers)).toEqual({ kind: 'mismatch', file: 'web/bad.js' });
		expect(result.stderr).toContain('web/bad.js does not match its sha256');
		expect(readdirSync(path.join(root, 'generations'))).toEqual([]);
	});

	it('says the store is unreachable when the host cannot connect', async () => {
		const dir = temp('pull-far');
		writeTree(dir, { 'a.txt': 'a\n' });
		const artifact = await fingerprint(dir);
		const home = temp('pull-curlrc');
		// Every connection this host's curl makes goes to a port nobody listens on.
		writeFileSync(path.join(home, '.curlrc'), 'connect-to = "::127.0.0.1:9"\n');
		const root = temp('pull-far-root');
		const result = await pullStage({ root, artifact, id: 1, store: new RunStore(storeConfig('far'), { emit: () => {} }), env: { CURL_HOME: home } });
		expect(result.code).not.toBe(0);
		expect(readFetchFailure(result.markers)).toMatchObject({ kind: 'unreachable', why: expect.stringMatching(/Failed to connect|Couldn't connect/) });
		expect(readdirSync(path.join(root, 'generations'))).toEqual([]);
	});

	it('says the store refused an expired link, with the store\'s words', async () => {
		const dir = temp('pull-old');
		writeTree(dir, { 'a.txt': 'a\n' });
		const artifact = await fingerprint(dir);
		const root = temp('pull-old-root');
		const store = new RunStore(storeConfig('old', 60), { emit: () => {}, now: () => new Date(Date.now() - 3600_000) });
		const result = await pullStage({ root, artifact, id: 1, store });
		expect(result.code).not.toBe(0);
		expect(readFetchFailure(result.markers)).toMatchObject({ kind: 'refused', status: '403' });
		expect(result.stderr).toContain('the store says: Request has expired');
		expect(readdirSync(path.join(root, 'generations'))).toEqual([]);
	});

	it('downloads with wget, in one process, on a host without curl', async () => {
		const bin = temp('pull-nocurl');
		for (const dirPath of ['/usr/bin', '/bin']) {
			for (const name of readdirSync(dirPath)) {
				if (name !== 'curl' && !existsSync(path.join(bin, name))) symlinkSync(path.join(dirPath, name), path.join(bin, name));
			}
		}
		const dir = temp('pull-wget');
		writeTree(dir, { 'one.txt': 'one\n', 'sub/two.bin': 'x'.repeat(100_000) });
		const artifact = await fingerprint(dir);
		const root = temp('pull-wget-root');
		const result = await pullStage({ root, artifact, id: 1, store: new RunStore(storeConfig('wget'), { emit: () => {} }), env: { PATH: bin } });
		expect(result.code, result.stderr).toBe(0);
		expect(readFileSync(path.join(generationDir(root, 1), 'sub/two.bin'), 'utf8')).toBe('x'.repeat(100_000));
	});
});

describe('pull protocol text', () => {
	it('pins what the engine sends and what the host runs', () => {
		expect(pullStageHeader(7, 6)).toBe('7 6 pull\n');
		expect(pullStageHeader(1, null)).toBe('1 - pull\n');
		expect(pullBlockText({ list: { sha256: 'a'.repeat(64), size: 10, url: 'http://s/l?x=1' }, links: { sha256: 'b'.repeat(64), size: 20, url: 'http://s/k?y=2' } })).toBe(`list ${'a'.repeat(64)} 10 http://s/l?x=1\nlinks ${'b'.repeat(64)} 20 http://s/k?y=2\nend\n`);
		expect(nixPullBlockText({ sha256: 'c'.repeat(64), size: 5, url: 'http://s/n' })).toBe(`links ${'c'.repeat(64)} 5 http://s/n\nend\n`);
		expect(fileListText([{ sha256: 'd'.repeat(64), mode: 0o755, size: 3, path: 'bin/a b' }])).toBe(`${'d'.repeat(64)} 755 3 bin/a b\n`);
		expect(linksText({ base: 'B/', query: '?Q=', tail: '&T' }, [{ sha256: 'e'.repeat(64), signature: 'f'.repeat(64), key: 'e'.repeat(64), size: 9, target: 'x y' }])).toBe(`base B/\nquery ?Q=\ntail &T\n${'e'.repeat(64)} ${'f'.repeat(64)} ${'e'.repeat(64)} 9 x y\n`);
		// One download process for a whole set, whichever tool the host has.
		const fetch = fetchFunctions();
		expect(fetch.match(/^\s*curl -sS /gm)).toHaveLength(1);
		expect(fetch).toContain('-K "$1.curl"');
		expect(fetch.match(/^\s*wget -nv -O "\$1\.all" -i "\$1\.urls"/gm)).toHaveLength(1);
		// The pull is a step of the stage read from the header, nothing more.
		const stage = stageFromHeader({ root: '/srv/app', shared: [], pull: pullIntoPartial() });
		expect(stage).toContain('IFS=" " read -r id reuse how || id=');
		expect(stage).toContain('if [ "$how" = pull ]; then');
		expect(stageFromHeader({ root: '/srv/app', shared: [] })).not.toContain('sy_pull');
		expect(pullClosure('/srv/app', '/nix/store/abc-x')).toContain("nix --extra-experimental-features nix-command copy --no-check-sigs --from \"file://$sy_part/cache\" /nix/store/abc-x");
	});
});

describe('presigned links', () => {
	it('are masked in every line shown or recorded: signature, credential and session token', () => {
		const link = 'http://127.0.0.1:9000/b/p/sha256/ab?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261121T234000Z&X-Amz-Expires=900&X-Amz-Security-Token=FQo123&X-Amz-Signature=0123abcd&X-Amz-SignedHeaders=host';
		const cleaned = textCleaner([])(`curl: (22) ${link} returned 403`);
		expect(cleaned).toBe(`curl: (22) ${link.replace('AKIA%2F20261121%2Fus-east-1%2Fs3%2Faws4_request', mask).replace('FQo123', mask).replace('0123abcd', mask)} returned 403`);
		expect(textCleaner([])('https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKIA1&Expires=1&Signature=abc%2B')).toBe(`https://b.s3.amazonaws.com/k?AWSAccessKeyId=${mask}&Expires=1&Signature=${mask}`);
		expect(textCleaner([])('no link here')).toBe('no link here');
	});

	it('are carried as one shape and a signature each', () => {
		const sig = (n: number) => String(n).repeat(64).slice(0, 64);
		const url = (key: string, n: number) => `https://b.s3.eu-west-1.amazonaws.com/shop/sha256/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261121T234000Z&X-Amz-Expires=900&X-Amz-Signature=${sig(n)}&X-Amz-SignedHeaders=host&x-id=GetObject`;
		const { shape, signatures } = shapeOfLinks([url('aa', 1), url('bb', 2)], ['aa', 'bb']);
		expect(shape).toEqual({ base: 'https://b.s3.eu-west-1.amazonaws.com/shop/sha256/', query: '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261121T234000Z&X-Amz-Expires=900&X-Amz-Signature=', tail: '&X-Amz-SignedHeaders=host&x-id=GetObject' });
		expect(signatures).toEqual([sig(1), sig(2)]);
		expect(() => shapeOfLinks([url('aa', 1), url('bb', 2).replace('Expires=900', 'Expires=60')], ['aa', 'bb'])).toThrow(/differ in more than key and signature/);
	});
});
