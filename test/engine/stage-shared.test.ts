import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStageFailure, stageGeneration } from '../../source/engine/remote/stage.js';
import { stageOnDisk, tempDirs, writeTree } from './stage-harness.js';

const temp = tempDirs();

/** A host dir outside the root that an artifact's symlink points at, with data in it. */
function hostData(): string {
	const outside = temp('srv-data');
	writeTree(outside, { 'uploads/precious.jpg': 'customer upload\n', 'db.sqlite': 'rows\n' });
	return outside;
}

const listing = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('shared dirs are linked only inside the generation', () => {
	it.each([false, true])('refuses a shared dir reached through an artifact symlink, and removes or writes nothing outside (header mode: %s)', async (viaHeader) => {
		const outside = hostData();
		const before = listing(outside);
		const root = temp('shared-root');
		const art = temp('shared-art');
		writeTree(art, { 'app.js': 'app\n' });
		symlinkSync(outside, path.join(art, 'data'));
		const result = await stageOnDisk({ root, artifactDir: art, id: 1, shared: ['data/uploads'], viaHeader });
		expect(result.code).toBe(1);
		expect(result.stderr.trim().split('\n')).toEqual([
			`refusing to stage generation 1: shared dir data/uploads would be linked through data, a symlink in the artifact (-> ${outside}); nothing was removed`,
		]);
		expect(readStageFailure(result.markers)).toBe('refused: shared dir data/uploads would be linked through data, a symlink in the artifact; nothing was removed');
		expect(listing(outside)).toEqual(before);
		expect(readFileSync(path.join(outside, 'uploads', 'precious.jpg'), 'utf8')).toBe('customer upload\n');
		expect(existsSync(path.join(root, 'generations', '1'))).toBe(false);
		expect(readdirSync(path.join(root, 'shared'))).toEqual([]);
	});

	it('refuses a shared dir that is itself a symlink in a tar that carries it; the engine leaves such a link out', async () => {
		const outside = hostData();
		const root = temp('shared-last-root');
		const art = temp('shared-last-art');
		writeTree(art, { 'app.js': 'app\n' });
		symlinkSync(outside, path.join(art, 'logs'));
		const carried = await stageOnDisk({ root, artifactDir: art, id: 1, shared: ['logs'], archiveShared: [] });
		expect(carried.code).toBe(1);
		expect(carried.markers).toContain('unsafe-shared logs logs');
		expect(carried.stderr).toContain(`shared dir logs would be linked through logs, a symlink in the artifact (-> ${outside})`);
		const leftOut = await stageOnDisk({ root, artifactDir: art, id: 1, shared: ['logs'] });
		expect(leftOut.stderr).toBe('');
		expect(readlinkSync(path.join(root, 'generations', '1', 'logs'))).toBe('../../shared/logs');
		expect(listing(outside)).toEqual(['db.sqlite', 'uploads', 'uploads/precious.jpg']);
	});

	it('replaces what the artifact has at a shared path with the link, and keeps the rest of its parent', async () => {
		const root = temp('shared-ok-root');
		const art = temp('shared-ok-art');
		writeTree(art, { 'data/seed.json': '{}\n', 'data/uploads/placeholder': 'x\n', 'logs/build.log': 'from the build\n', '-lead/x': 'x\n' });
		mkdirSync(path.join(root, 'shared', 'logs'), { recursive: true });
		writeFileSync(path.join(root, 'shared', 'logs', 'app.log'), 'kept\n');
		const first = await stageOnDisk({ root, artifactDir: art, id: 1, shared: ['logs', 'data/uploads', '-lead'] });
		expect(first.stderr).toBe('');
		expect(first.markers).toContain('staged 1');
		const generation = path.join(root, 'generations', '1');
		expect(readlinkSync(path.join(generation, 'logs'))).toBe('../../shared/logs');
		expect(readlinkSync(path.join(generation, 'data', 'uploads'))).toBe('../../../shared/data/uploads');
		expect(readlinkSync(path.join(generation, '-lead'))).toBe('../../shared/-lead');
		expect(readFileSync(path.join(generation, 'data', 'seed.json'), 'utf8')).toBe('{}\n');
		expect(readFileSync(path.join(generation, 'logs', 'app.log'), 'utf8')).toBe('kept\n');
		expect(lstatSync(path.join(root, 'shared', 'data', 'uploads')).isDirectory()).toBe(true);
		expect(existsSync(path.join(root, 'shared', 'logs', 'build.log'))).toBe(false);
	});

	it('leaves what the artifact has under a shared dir out of the generation, so re-deploys never link through the shared link', async () => {
		const root = temp('shared-files-root');
		const art = temp('shared-files-art');
		writeTree(art, { 'app.js': 'v1\n', 'data/.gitkeep': '', 'data/seed/rows.csv': 'a,b\n' });
		symlinkSync('seed/rows.csv', path.join(art, 'data', 'rows'));
		for (const [id, reuseFrom] of [
			[1, null],
			[2, 1],
			[3, 2],
		] as const) {
			writeFileSync(path.join(art, 'app.js'), `v${id}\n`);
			const result = await stageOnDisk({ root, artifactDir: art, id, reuseFrom, shared: ['data'] });
			expect(result.stderr).toBe('');
			expect(result.markers).toContain(`staged ${id}`);
			const generation = path.join(root, 'generations', String(id));
			expect(readFileSync(path.join(generation, '.switchyard', 'manifest.sha256'), 'utf8')).not.toContain('data/');
			execFileSync('sha256sum', ['-c', '--quiet', '--strict', '.switchyard/manifest.sha256'], { cwd: generation });
		}
		expect(readdirSync(path.join(root, 'shared', 'data'))).toEqual([]);
	});

	it('builds no script for a shared dir that is not a plain path inside the generation', () => {
		for (const shared of [['.'], ['a/./b'], ['../x'], ['/abs'], ['data', 'data/uploads']]) {
			expect(() => stageGeneration({ root: '/opt/app', id: 2, reuseFrom: 1, shared })).toThrow(/shared dir/);
		}
	});
});
