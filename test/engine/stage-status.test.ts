import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GenerationStatus } from '../../source/engine/events.js';
import { statusLine } from '../../source/engine/remote/generation-status.js';
import { stageOnDisk, tempDirs, writeTree } from './stage-harness.js';

const temp = tempDirs();
const generation = (root: string, id: number, file = '') => path.join(root, 'generations', String(id), file);

describe('the generation status carried in the tar', () => {
	it('writes the status line into the generation when one is given', async () => {
		const root = temp('status-root');
		const art = temp('status-art');
		writeTree(art, { 'app.js': 'x\n' });
		await stageOnDisk({ root, artifactDir: art, id: 1, status: 'staged' });
		const file = generation(root, 1, '.switchyard/status');
		expect(readFileSync(file, 'utf8')).toBe('staged 2026-11-21T23:40:01.000Z\n');
		expect(statSync(file).mode & 0o777).toBe(0o644);
		await stageOnDisk({ root, artifactDir: art, id: 2, reuseFrom: 1 });
		expect(existsSync(generation(root, 2, '.switchyard/status'))).toBe(false);
	});

	it('takes one lower-case word', () => {
		expect(statusLine('rolled-back-from', 't')).toBe('rolled-back-from t\n');
		for (const bad of ['', 'live now', 'Live', 'live\nrm -rf /']) expect(() => statusLine(bad as GenerationStatus, 't')).toThrow('a generation status is one lower-case word');
	});
});
