import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load-config.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { FileChange } from '../../source/engine/events.js';
import type { FileDiff } from '../../source/engine/requests.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

describe('looking at a staged change before switching', () => {
	it('lists the changed files and diffs a text file, current against staged, while the host waits', async () => {
		const demo = await fleet(['alpha']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		const before = readFileSync(path.join(demo.root('alpha'), 'current', 'version.txt'), 'utf8').trim();
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
		const after = readFileSync(path.join(demo.root('alpha'), 'generations', '2', 'version.txt'), 'utf8').trim();
		expect(diff).toMatchObject({ kind: 'text', truncated: false });
		const lines = (diff as Extract<FileDiff, { kind: 'text' }>).lines;
		expect(lines).toContain(`-${before}`);
		expect(lines).toContain(`+${after}`);
		expect(lines[0]).toBe('--- a/version.txt\tgeneration 1');
		// Only the files the staging reported can be read.
		expect(outside).toMatchObject({ kind: 'unavailable' });
		expect(demo.current('alpha')).toBe(1);
	});
});
