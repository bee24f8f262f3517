import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo, trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();
const demoBuild = `node ${path.join(repo, 'demo', 'build.mjs')} dist`;

describe('odd artifacts through the CLI on local hosts', () => {
	it('deploys names starting with "-" and empty dirs, then re-deploys them by hard link', async () => {
		const demo = await fleet(['alpha'], { build: `${demoBuild} && echo flag > dist/-rf && mkdir -p dist/--help dist/var/empty && echo n > dist/--help/-n` });
		for (const id of [1, 2]) {
			const result = await demo.run('deploy', '--yes');
			expect(result.stdout).toContain('Summary: ✓ 1 ok (1 host)');
			expect(result.exitCode).toBe(0);
			expect(demo.current('alpha')).toBe(id);
		}
		const generation = (id: number, file: string) => path.join(demo.root('alpha'), 'generations', String(id), file);
		expect(readFileSync(generation(2, '--help/-n'), 'utf8')).toBe('n\n');
		expect(statSync(generation(2, '-rf')).ino).toBe(statSync(generation(1, '-rf')).ino);
		expect(statSync(generation(2, 'var/empty')).isDirectory()).toBe(true);
		execFileSync('sha256sum', ['-c', '--quiet', '--strict', '.switchyard/manifest.sha256'], { cwd: generation(2, '') });
	});

	it('refuses an artifact with a FIFO before touching any host, naming the file', async () => {
		const demo = await fleet(['alpha'], { build: `${demoBuild} && mkfifo dist/control` });
		const result = await demo.run('deploy', '--yes');
		expect(result.exitCode).not.toBe(0);
		expect(result.stdout).toContain('artifact has a FIFO at "control": only files, directories and symlinks can be deployed');
		expect(demo.generations('alpha')).toEqual([]);
	});
});
