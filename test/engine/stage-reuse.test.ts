import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream, { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { generationArchive } from '../../source/engine/generation-archive.js';
import { stageGeneration } from '../../source/engine/remote/stage.js';
import { countingPath, manyFiles, resetCount, runShell, stageOnDisk, tempDirs, writeTree } from './stage-harness.js';

const temp = tempDirs();
const generation = (root: string, id: number, file = '') => path.join(root, 'generations', String(id), file);

describe('re-deploys hard-link unchanged files from the current generation', () => {
	it.each([false, true])('links unchanged files, writes changed ones as new files, verifies what was sent (header mode: %s)', async (viaHeader) => {
		const root = temp('reuse-root');
		const art = temp('reuse-art');
		writeTree(art, { 'bin/app': 'v1\n', 'lib/same.txt': 'same\n', 'lib/deep/er/same2.txt': 'same too\n', 'gone.txt': 'removed later\n' });
		const first = await stageOnDisk({ root, artifactDir: art, id: 1, viaHeader });
		expect(first.stderr).toBe('');
		expect(first.markers).toContain('staged 1');
		const before = { app: statSync(generation(root, 1, 'bin/app')), same: statSync(generation(root, 1, 'lib/same.txt')) };

		writeFileSync(path.join(art, 'bin/app'), 'v2 is longer\n');
		rmSync(path.join(art, 'gone.txt'));
		writeTree(art, { 'new.txt': 'new\n' });
		const second = await stageOnDisk({ root, artifactDir: art, id: 2, reuseFrom: 1, viaHeader });
		expect(second.stderr).toBe('');
		expect(second.markers).toContain('staged 2');

		// Unchanged files are the previous generation's inodes; the changed file is a new one.
		expect(statSync(generation(root, 2, 'lib/same.txt')).ino).toBe(before.same.ino);
		expect(statSync(generation(root, 2, 'lib/deep/er/same2.txt')).ino).toBe(statSync(generation(root, 1, 'lib/deep/er/same2.txt')).ino);
		expect(statSync(generation(root, 2, 'bin/app')).ino).not.toBe(before.app.ino);
		// The previous generation is exactly as it was: content, inode, mode and mtime.
		const after = statSync(generation(root, 1, 'bin/app'));
		expect(readFileSync(generation(root, 1, 'bin/app'), 'utf8')).toBe('v1\n');
		expect([after.ino, after.mode, after.mtimeMs]).toEqual([before.app.ino, before.app.mode, before.app.mtimeMs]);
		expect(statSync(generation(root, 1, 'lib/same.txt')).mtimeMs).toBe(before.same.mtimeMs);
		expect(readFileSync(generation(root, 2, 'bin/app'), 'utf8')).toBe('v2 is longer\n');
		expect(existsSync(generation(root, 2, 'gone.txt'))).toBe(false);
		expect(existsSync(generation(root, 1, 'gone.txt'))).toBe(true);
		// The new generation is complete: its full manifest checks out.
		execFileSync('sha256sum', ['-c', '--quiet', '--strict', '.switchyard/manifest.sha256'], { cwd: generation(root, 2) });
		// Only what was sent is hashed at staging time.
		const sent = readFileSync(generation(root, 2, '.switchyard/sent.sha256'), 'utf8');
		expect(sent).toContain('bin/app');
		expect(sent).toContain('new.txt');
		expect(sent).not.toContain('same');
	});

	it('sends a file again when only its mode changed: a hard link would keep the old mode', async () => {
		const root = temp('mode-root');
		const art = temp('mode-art');
		writeTree(art, { 'bin/run': '#!/bin/sh\necho hi\n', 'bin/tool': '#!/bin/sh\n', 'app.js': 'v1\n' });
		chmodSync(path.join(art, 'bin/tool'), 0o750);
		expect((await stageOnDisk({ root, artifactDir: art, id: 1 })).code).toBe(0);
		expect(readFileSync(generation(root, 1, '.switchyard/modes'), 'utf8')).toBe('750 bin/tool\n');
		chmodSync(path.join(art, 'bin/run'), 0o755);
		const second = await stageOnDisk({ root, artifactDir: art, id: 2, reuseFrom: 1 });
		expect(second.stderr).toBe('');
		expect(statSync(generation(root, 2, 'bin/run')).mode & 0o777).toBe(0o755);
		expect(statSync(generation(root, 1, 'bin/run')).mode & 0o777).toBe(0o644);
		expect(statSync(generation(root, 2, 'bin/tool')).ino).toBe(statSync(generation(root, 1, 'bin/tool')).ino);
		expect(statSync(generation(root, 2, 'app.js')).ino).toBe(statSync(generation(root, 1, 'app.js')).ino);
	});

	it('links names longer than a tar header holds (pax), UTF-8 names, spaces and quotes', async () => {
		const root = temp('names-root');
		const art = temp('names-art');
		const files = { [`${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(120)}.txt`]: 'long\n', 'café/über ß.txt': 'utf8\n', 'sp ace/a b': 'x\n', "q'uote": 'y\n' };
		writeTree(art, { ...files, 'app.js': 'v1\n' });
		expect((await stageOnDisk({ root, artifactDir: art, id: 1 })).code).toBe(0);
		writeFileSync(path.join(art, 'app.js'), 'v2\n');
		const second = await stageOnDisk({ root, artifactDir: art, id: 2, reuseFrom: 1, viaHeader: true });
		expect(second.stderr).toBe('');
		for (const file of Object.keys(files)) expect(statSync(generation(root, 2, file)).ino).toBe(statSync(generation(root, 1, file)).ino);
	});

	it('never writes into a file the previous generation shares: an upload that sends a listed path too fails instead', async () => {
		const root = temp('overwrite-root');
		const art = temp('overwrite-art');
		writeTree(art, { 'shared-inode.txt': 'generation 1\n' });
		expect((await stageOnDisk({ root, artifactDir: art, id: 1 })).code).toBe(0);
		const before = statSync(generation(root, 1, 'shared-inode.txt'));
		// The tar writes the file and the list asks to link generation 1's copy to the same path:
		// a link made over it (cp -f), or tar's `--overwrite` over a link, would touch one copy through the other.
		for (const order of ['file first', 'file last']) {
			const tar = pack();
			const file = () => tar.entry({ name: 'shared-inode.txt', mode: 0o644 }, 'generation 2 writes here\n');
			if (order === 'file first') file();
			tar.entry({ name: '.switchyard/reuse', mode: 0o644 }, 'shared-inode.txt\0');
			if (order === 'file last') file();
			tar.finalize();
			const result = await runShell(stageGeneration({ root, id: 2, reuseFrom: 1, shared: [] }), Readable.from(tar));
			expect(result.code).not.toBe(0);
			expect(result.stderr).toContain('shared-inode.txt');
			expect(readFileSync(generation(root, 1, 'shared-inode.txt'), 'utf8')).toBe('generation 1\n');
			expect(statSync(generation(root, 1, 'shared-inode.txt')).mtimeMs).toBe(before.mtimeMs);
			expect(existsSync(generation(root, 2))).toBe(false);
		}
	});

	it('links names that look like options', async () => {
		const root = temp('odd-root');
		const art = temp('odd-art');
		const files = { '-rf': 'dash\n', '--parents': 'dashes\n', 'd/-t': 'in a dir\n' };
		writeTree(art, { ...files, 'app.js': 'v1\n' });
		expect((await stageOnDisk({ root, artifactDir: art, id: 1 })).code).toBe(0);
		writeFileSync(path.join(art, 'app.js'), 'v2\n');
		const second = await stageOnDisk({ root, artifactDir: art, id: 2, reuseFrom: 1 });
		expect(second.stderr).toBe('');
		for (const file of Object.keys(files)) expect(statSync(generation(root, 2, file)).ino).toBe(statSync(generation(root, 1, file)).ino);
	});

	it('starts as many host processes for 1000 unchanged files as for 10', async () => {
		const counts: Record<number, string[]> = {};
		for (const files of [10, 1000]) {
			const root = temp(`count-${files}-root`);
			const art = temp(`count-${files}-art`);
			const shims = countingPath(temp(`count-${files}-path`));
			writeTree(art, { ...manyFiles(files), 'version.txt': 'v1\n' });
			expect((await stageOnDisk({ root, artifactDir: art, id: 1, shared: ['logs'], env: shims.env })).code).toBe(0);
			writeFileSync(path.join(art, 'version.txt'), 'v2\n');
			resetCount(path.dirname(shims.env.SY_COUNT_LOG!));
			const redeploy = await stageOnDisk({ root, artifactDir: art, id: 2, reuseFrom: 1, shared: ['logs'], env: shims.env });
			expect(redeploy.stderr).toBe('');
			expect(redeploy.markers).toContain('staged 2');
			expect(statSync(generation(root, 2, 'assets/0/f0.txt')).ino).toBe(statSync(generation(root, 1, 'assets/0/f0.txt')).ino);
			counts[files] = shims.commands();
		}
		expect(counts[1000]!.length).toBe(counts[10]!.length);
		// tar, xargs and cp (the unchanged files), sha256sum (one changed file), ln (the shared dir) and mv: nothing per file.
		expect(counts[1000]!.length).toBeLessThanOrEqual(6);
	});
});

describe('the archive of a large re-deploy', () => {
	const archiveOf = (files: readonly { path: string }[], unchanged: ReadonlySet<string>, links: readonly { path: string; target: string }[] = [], dir = '/nonexistent') =>
		generationArchive({
			artifact: { dir, files: files.map((file) => ({ ...file, size: 1, mode: 0o644, sha256: '0'.repeat(64) })), links, bytes: files.length },
			metadata: { id: 2, release: 'r', created: '2026-11-21T23:40:00.000Z', by: 'x', host: 'h', files: files.length, bytes: files.length },
			env: '',
			unchanged,
		});
	const entriesOf = async (archive: Readable) => {
		const entries: { type: string; name: string; body: string; size: number }[] = [];
		const extract = tarStream.extract();
		extract.on('entry', (header, stream, next) => {
			let body = '';
			stream.on('data', (chunk: unknown) => (body += String(chunk)));
			stream.on('end', () => {
				entries.push({ type: header.type ?? 'file', name: header.name, body, size: header.size ?? 0 });
				next();
			});
		});
		await pipeline(archive, extract);
		return entries;
	};

	it('names 20,000 unchanged files in one list (no entry each) and carries 20,000 symlinks as entries without a body', async () => {
		const files = Array.from({ length: 20_000 }, (_, index) => ({ path: `a/${index}.txt` }));
		const links = Array.from({ length: 20_000 }, (_, index) => ({ path: `l/${index}`, target: `../a/${index}.txt` }));
		const entries = await entriesOf(archiveOf(files, new Set(files.map((file) => file.path)), links));
		expect(entries.filter((entry) => entry.name.startsWith('a/'))).toHaveLength(0);
		expect(entries.filter((entry) => entry.type === 'symlink' && entry.name.startsWith('l/'))).toHaveLength(20_000);
		const list = entries.find((entry) => entry.name === '.switchyard/reuse');
		expect(list?.body.split('\0').slice(0, -1)).toEqual(files.map((file) => file.path));
	});

	it('costs an unchanged file its name, not a 512-byte tar header', async () => {
		const files = Array.from({ length: 1000 }, (_, index) => ({ path: `assets/${String(index).padStart(3, '0')}.js` }));
		const dir = temp('list-bytes');
		writeTree(dir, { [files[0]!.path]: 'x' });
		const bytes = async (archive: Readable) => {
			let total = 0;
			for await (const chunk of archive) total += (chunk as Buffer).length;
			return total;
		};
		const nothingUnchanged = await bytes(archiveOf(files.slice(0, 1), new Set(), [], dir));
		const allButOne = await bytes(archiveOf(files, new Set(files.slice(1).map((file) => file.path)), [], dir));
		// The manifest lists every file either way; what the 999 unchanged ones add beyond it is their names.
		const manifest = 999 * `${'0'.repeat(64)}  assets/000.js\n`.length;
		expect(allButOne - nothingUnchanged - manifest).toBeLessThan(999 * 40);
	});
});
