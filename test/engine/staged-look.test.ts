import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load-config.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { FileChange } from '../../source/engine/events.js';
import type { FileDiff } from '../../source/engine/requests.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { repo, trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

describe('looking at a staged change before switching', () => {
	it('lists the changed files and diffs a text file, current against staged, while the host waits', async () => {
		// Every build's version.txt differs (two builds in one second would carry the same release).
		const demo = await fleet(['alpha'], { build: `node ${path.join(repo, 'demo', 'build.mjs')} dist && date +%s%N >> dist/version.txt` });
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		const before = readFileSync(path.join(demo.root('alpha'), 'current', 'version.txt'), 'utf8').trim().split('\n');
		const config = loadConfig(demo.config);
		let changes: readonly FileChange[] = [];
		let diff: FileDiff | undefined;
		let outside: FileDiff | undefined;
		const summary = await runDeploy({
			config,
			hosts: config.hosts,
			emit: () => {},
			openTransport: transportFactory(),
			phases: ['build', 'preflight', 'upload', 'switch', 'validate'],
			confirm: async (_staged, look) => {
				changes = look.changes('alpha');
				diff = await look.fileDiff('alpha', 'version.txt');
				outside = await look.fileDiff('alpha', '../../../etc/passwd');
				return false;
			},
		});
		expect(summary.outcomes).toEqual({ alpha: 'staged' });
		expect(changes.map((change) => `${change.change} ${change.path}`)).toEqual(['changed frontend/index.html', 'changed version.txt']);
		const after = readFileSync(path.join(demo.root('alpha'), 'generations', '2', 'version.txt'), 'utf8').trim().split('\n');
		expect(diff).toMatchObject({ kind: 'text', truncated: false });
		const lines = (diff as Extract<FileDiff, { kind: 'text' }>).lines;
		expect(lines).toContain(`-${before.at(-1)}`);
		expect(lines).toContain(`+${after.at(-1)}`);
		expect(lines[0]).toBe('--- a/version.txt\tgeneration 1');
		// Only the files the staging reported can be read.
		expect(outside).toMatchObject({ kind: 'unavailable' });
		expect(demo.current('alpha')).toBe(1);
	});

	it('lists exactly the files its counts count: nothing under a shared dir, and a file whose mode alone changed', async () => {
		// The artifact carries a shared dir (never shipped) and, from the second build on, one file made executable.
		const build = `node ${path.join(repo, 'demo', 'build.mjs')} dist && mkdir -p dist/data/uploads && echo seed > dist/data/uploads/seed.txt && if [ -f second ]; then chmod 700 dist/bin/demo-cli; fi`;
		const demo = await fleet(['alpha'], { build, hostToml: { alpha: 'shared = ["data/uploads"]' } });
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.dir, 'second'), '');
		const config = loadConfig(demo.config);
		let changes: readonly FileChange[] = [];
		let counted = 0;
		await runDeploy({
			config,
			hosts: config.hosts,
			emit: () => {},
			openTransport: transportFactory(),
			phases: ['build', 'preflight', 'upload', 'switch', 'validate'],
			confirm: async (staged, look) => {
				changes = look.changes('alpha');
				const diff = staged[0]!.diff;
				counted = diff.added + diff.changed + diff.removed;
				return false;
			},
		});
		const listed = changes.map((change) => `${change.change} ${change.path}`);
		expect(listed).toContain('changed bin/demo-cli');
		expect(listed.filter((line) => line.includes('data/uploads'))).toEqual([]);
		expect(listed).toHaveLength(counted);
	});
});

