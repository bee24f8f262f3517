import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { EngineEvent } from '../../source/engine/events.js';
import { LocalTransport } from '../../source/transport/local.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * The build waits (up to 10 s) for a file that only a host's connect() writes: if hosts
 * connected only after the build, it would fail instead.
 */
function setup(build: string, hosts: string[], jobs: number) {
	const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-connect-early-'));
	dirs.push(dir);
	mkdirSync(path.join(dir, 'artifact'));
	writeFileSync(path.join(dir, 'artifact', 'version.txt'), 'v1');
	const file = path.join(dir, 'hosts.toml');
	writeFileSync(
		file,
		[
			'[app]',
			'name = "early"',
			'[build]',
			`command = ${JSON.stringify(build)}`,
			'artifact = "artifact"',
			'[defaults]',
			`jobs = ${jobs}`,
			...hosts.flatMap((name) => ['[[host]]', `name = "${name}"`, 'local = true', `root = ${JSON.stringify(path.join(dir, name))}`]),
			'',
		].join('\n'),
	);
	const config = parseConfig(readFileSync(file, 'utf8'), file);
	const connected: string[] = [];
	const closed: string[] = [];
	const events: EngineEvent[] = [];
	const deploy = () =>
		runDeploy({
			config,
			hosts: config.hosts,
			emit: (event) => events.push(event),
			openTransport: (host) => {
				const local = new LocalTransport();
				return Object.assign(Object.create(local) as LocalTransport, {
					connect: async () => {
						connected.push(host.name);
						writeFileSync(path.join(dir, `connected-${host.name}`), '');
					},
					close: async () => void closed.push(host.name),
				});
			},
			phases: ['build', 'preflight', 'upload', 'switch'],
			confirm: async () => true,
			operator: 'test@here',
		});
	return { dir, deploy, connected, closed, events };
}

describe('connecting while the build runs', () => {
	it('the first --jobs hosts are connected before the build ends; the rest wait their turn', async () => {
		const run = setup('i=0; until [ -f connected-a ] && [ -f connected-b ]; do i=$((i+1)); [ $i -lt 200 ] || exit 9; sleep 0.05; done', ['a', 'b', 'c'], 2);
		const summary = await run.deploy();
		expect(summary.outcomes).toEqual({ a: 'ok', b: 'ok', c: 'ok' });
		expect(run.connected.slice(0, 2).sort()).toEqual(['a', 'b']);
		expect(run.connected).toHaveLength(3);
		expect(run.closed.sort()).toEqual(['a', 'b', 'c']);
	});

	it('a failed build closes the early connections and touches no host', async () => {
		const run = setup('exit 3', ['a', 'b'], 4);
		const summary = await run.deploy();
		expect(summary.outcomes).toEqual({ a: 'failed', b: 'failed' });
		expect(run.closed.sort()).toEqual(['a', 'b']);
		expect(existsSync(path.join(run.dir, 'a', 'generations'))).toBe(false);
	});
});
