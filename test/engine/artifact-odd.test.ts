import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../source/engine/artifact.js';
import { readNoSpace, readStageFailure } from '../../source/engine/remote/stage.js';
import { hasTool } from '../support/require-tool.js';
import { manyFiles, stageOnDisk, tempDirs, writeTree } from './stage-harness.js';

const temp = tempDirs();
const generation = (root: string, id: number, file = '') => path.join(root, 'generations', String(id), file);

describe('odd artifacts', () => {
	const deployTwice = async (files: Record<string, string>, shared: string[] = []) => {
		const root = temp('dash-root');
		const art = temp('dash-art');
		writeTree(art, { ...files, 'changed.txt': 'v1\n' });
		for (const [id, reuseFrom] of [
			[1, null],
			[2, 1],
		] as const) {
			if (id === 2) writeFileSync(path.join(art, 'changed.txt'), 'v2\n');
			const result = await stageOnDisk({ root, artifactDir: art, id, reuseFrom, shared });
			expect(result.stderr).toBe('');
			expect(result.markers).toContain(`staged ${id}`);
		}
		for (const file of Object.keys(files)) expect(statSync(generation(root, 2, file)).ino).toBe(statSync(generation(root, 1, file)).ino);
		expect(readFileSync(generation(root, 2, 'changed.txt'), 'utf8')).toBe('v2\n');
		return root;
	};

	it('deploys and re-deploys file, dir and shared dir names that start with "-"', async () => {
		await deployTwice({ '-rf': 'not an option\n', '--help/-n': 'nor this\n', '-x/y/--': 'deep\n' }, ['-logs']);
	});

	it('verifies a file named "-" as a file, not as stdin', async () => {
		const root = await deployTwice({ '-': 'a dash\n', 'x/-': 'another\n' });
		execFileSync('sha256sum', ['-c', '--quiet', '--strict', '.switchyard/sent.sha256'], { cwd: generation(root, 1) });
	});

	it('ships empty directories with their mode', async () => {
		const root = temp('empty-root');
		const art = temp('empty-art');
		writeTree(art, { 'app.js': 'x\n', 'var/cache': null, 'var/tmp/nested/empty': null });
		execFileSync('chmod', ['0750', path.join(art, 'var/cache')]);
		const artifact = await fingerprint(art);
		expect(artifact.emptyDirs).toEqual([
			{ path: 'var/cache', mode: 0o750 },
			{ path: 'var/tmp/nested/empty', mode: 0o755 },
		]);
		const result = await stageOnDisk({ root, artifactDir: art, id: 1 });
		expect(result.markers).toContain('staged 1');
		expect(statSync(generation(root, 1, 'var/cache')).mode & 0o777).toBe(0o750);
		expect(statSync(generation(root, 1, 'var/tmp/nested/empty')).isDirectory()).toBe(true);
	});

	it('refuses a FIFO, naming the file', async () => {
		const art = temp('fifo-art');
		writeTree(art, { 'app.js': 'x\n', 'run/.keep': '' });
		execFileSync('mkfifo', [path.join(art, 'run', 'control')]);
		await expect(fingerprint(art)).rejects.toThrow(`artifact has a FIFO at "run/control": only files, directories and symlinks can be deployed (remove it from ${art})`);
	});

	it('refuses a socket, naming the file', async () => {
		const art = temp('socket-art');
		writeTree(art, { 'app.js': 'x\n' });
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(path.join(art, 'app.sock'), resolve));
		try {
			await expect(fingerprint(art)).rejects.toThrow('artifact has a socket at "app.sock"');
		} finally {
			server.close();
		}
	});

	it('refuses a file name that is not UTF-8, naming it', async () => {
		const art = temp('latin1-art');
		mkdirSync(path.join(art, 'docs'));
		writeFileSync(Buffer.concat([Buffer.from(`${art}/docs/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name\n');
		await expect(fingerprint(art)).rejects.toThrow('artifact file name is not valid UTF-8: docs/caf\\xe9.txt (rename it');
	});
});

describe('a full disk while extracting', () => {
	// A small tmpfs of its own, mounted in a private mount namespace: the real filesystem never fills up.
	const onSmallDisk = (root: string, options: string) => ({
		wrap: ['unshare', '--mount', '--map-root-user'],
		prelude: `mount -t tmpfs -o ${options} switchyard-test ${root} && mkdir ${root}/generations ${root}/shared`,
	});

	it.runIf(hasTool('unshare', 'apt-get install -y util-linux'))('says the inodes ran out, with a marker the engine reads', async () => {
		const root = temp('inodes-root');
		const art = temp('inodes-art');
		writeTree(art, manyFiles(200));
		const result = await stageOnDisk({ root, artifactDir: art, id: 3, ...onSmallDisk(root, 'size=8m,nr_inodes=64') });
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain('No space left on device');
		expect(result.stderr.trim().split('\n').at(-1)).toBe(`no space left on device while writing generation 3: inodes 100% used under ${root}`);
		expect(readNoSpace(result.markers)).toEqual({ id: 3, resource: 'inodes', used: '100%', root });
		expect(readStageFailure(result.markers)).toBe(`no space left on device while writing generation 3: inodes 100% used under ${root}`);
	});

	it.runIf(hasTool('unshare', 'apt-get install -y util-linux'))('says the space ran out', async () => {
		const root = temp('space-root');
		const art = temp('space-art');
		writeTree(art, { 'big.bin': 'x'.repeat(3 * 1024 * 1024) });
		const result = await stageOnDisk({ root, artifactDir: art, id: 1, ...onSmallDisk(root, 'size=1m,nr_inodes=1000') });
		expect(result.code).not.toBe(0);
		expect(readNoSpace(result.markers)).toEqual({ id: 1, resource: 'space', used: '100%', root });
		expect(result.stderr.trim().split('\n').at(-1)).toBe(`no space left on device while writing generation 1: space 100% used under ${root}`);
	});
});
