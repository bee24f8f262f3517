import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, linksLeavingArtifact } from '../../source/engine/artifact.js';
import { tempDirs, writeTree } from './stage-harness.js';

const temp = tempDirs();

describe('links that leave the artifact', () => {
	it('reports symlinks that leave the artifact, also by way of other links', async () => {
		const art = temp('links-art');
		writeTree(art, { 'lib/real.js': 'x\n', 'deep/er/file': 'y\n' });
		const links: Record<string, string> = {
			'abs': '/srv/data',
			'up': '..',
			'deep/er/up-and-back': '../../lib/real.js',
			'deep/er/too-far': '../../../etc/passwd',
			'inside': 'lib/real.js',
			'via-abs': 'abs/x',
			'via-deep': 'deep/er/too-far',
			'loop-a': 'loop-b',
			'loop-b': 'loop-a',
			'dot': './lib/../lib/real.js',
		};
		for (const [link, target] of Object.entries(links)) symlinkSync(target, path.join(art, link));
		const artifact = await fingerprint(art);
		expect(linksLeavingArtifact(artifact).map((link) => link.path).sort()).toEqual(['abs', 'deep/er/too-far', 'up', 'via-abs', 'via-deep']);
		expect(linksLeavingArtifact({ links: [{ path: 'a/b', target: '../c' }] })).toEqual([]);
		expect(linksLeavingArtifact({ links: [{ path: 'a/b', target: '../../c' }] })).toEqual([{ path: 'a/b', target: '../../c' }]);
	});
});
