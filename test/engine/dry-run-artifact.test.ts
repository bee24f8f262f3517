import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../source/config/types.js';
import type { EngineEvent } from '../../source/engine/events.js';
import { keepingArtifact } from '../../source/engine/dry-run-artifact.js';
import { repo } from '../support/local-fleet.js';

function project(artifact: string): { dir: string; config: Config; said: string[]; emit: (event: EngineEvent) => void } {
	const base = path.join(repo, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const dir = mkdtempSync(path.join(base, 'dry-run-'));
	const config = { file: path.join(dir, 'hosts.toml'), dir, app: { name: 'demo', keep: 5 }, jobs: 1, waves: { canary: 0 }, hosts: [], build: { command: 'true', artifact: path.resolve(dir, artifact), cwd: dir, perHost: false } } as unknown as Config;
	const said: string[] = [];
	return { dir, config, said, emit: (event) => event.type === 'log' && said.push(event.line) };
}

describe('a dry run and the artifact on this machine', () => {
	it('puts the artifact back as it was, even when the run fails', async () => {
		const { dir, config, said, emit } = project('dist');
		mkdirSync(path.join(dir, 'dist'));
		writeFileSync(path.join(dir, 'dist', 'version.txt'), 'deployed\n');
		const build = async () => {
			mkdirSync(path.join(dir, 'dist'), { recursive: true });
			writeFileSync(path.join(dir, 'dist', 'version.txt'), 'dry run\n');
			expect(readFileSync(path.join(dir, 'dist', 'version.txt'), 'utf8')).toBe('dry run\n');
			throw new Error('preflight failed');
		};
		await expect(keepingArtifact({ config, hosts: [] }, ['build', 'preflight'], emit, build)).rejects.toThrow('preflight failed');
		expect(readFileSync(path.join(dir, 'dist', 'version.txt'), 'utf8')).toBe('deployed\n');
		expect(said).toEqual([`dry run: put ${path.join(dir, 'dist')} back as it was before the build`]);
	});

	it('removes what the build made where nothing was; leaves real deploys and build-only runs alone', async () => {
		const { dir, config, emit } = project('dist');
		await keepingArtifact({ config, hosts: [] }, ['build', 'preflight'], emit, async () => mkdirSync(path.join(dir, 'dist')));
		expect(existsSync(path.join(dir, 'dist'))).toBe(false);
		for (const phases of [['build'], ['build', 'preflight', 'upload', 'switch']] as const) {
			await keepingArtifact({ config, hosts: [] }, phases, emit, async () => mkdirSync(path.join(dir, 'dist'), { recursive: true }));
			expect(existsSync(path.join(dir, 'dist'))).toBe(true);
		}
	});

	it('never moves a directory that holds the config: it is built in place, and said so', async () => {
		const { dir, config, said, emit } = project('.');
		await keepingArtifact({ config, hosts: [] }, ['build', 'preflight'], emit, async () => undefined);
		expect(existsSync(path.join(dir))).toBe(true);
		expect(said[0]).toMatch(/is built in place \(it holds the config or the working directory\)/);
	});
});
