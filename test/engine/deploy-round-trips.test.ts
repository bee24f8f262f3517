import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLocalHosts } from '../support/one-local-host.js';
import { waitFor } from '../support/wait-for.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { EngineEvent } from '../../source/engine/events.js';
import { LocalTransport } from '../../source/transport/local.js';
import type { ExecOptions } from '../../source/transport/transport.js';

/**
 * A good switch's cleanup (prune + lock release) rides along with the last round trip when
 * nothing after it can change the outcome; otherwise it is a round trip of its own, as before.
 */
const newHost = oneLocalHosts('switchyard-round-trips-');

function setup(hostToml: string) {
	const { dir, root, config } = newHost(hostToml, 'keep = 2');
	const deploy = async (version: string) => {
		writeFileSync(path.join(dir, 'artifact', 'version.txt'), version);
		const scripts: string[] = [];
		const connections = { count: 0 };
		const events: EngineEvent[] = [];
		const summary = await runDeploy({
			config,
			hosts: config.hosts,
			emit: (event) => events.push(event),
			openTransport: () => {
				connections.count += 1;
				const local = new LocalTransport();
				return Object.assign(Object.create(local) as LocalTransport, {
					exec: (script: string, options?: ExecOptions) => {
						scripts.push(script);
						return local.exec(script, options);
					},
				});
			},
			phases: ['preflight', 'upload', 'switch', 'validate'],
			confirm: async () => true,
			operator: 'test@here',
		});
		return { summary, execs: scripts.length, connections: connections.count, events };
	};
	const generations = () => readdirSync(path.join(root, 'generations')).sort();
	const current = () => readlinkSync(path.join(root, 'current'));
	const locked = () => existsSync(path.join(root, '.lock'));
	return { deploy, generations, current, locked, root };
}

describe('deploy round trips', () => {
	it('without a watchdog or health checks: preflight + upload, switch + cleanup', async () => {
		const host = setup('watchdog = false');
		for (const [index, version] of ['v1', 'v2', 'v3', 'v4'].entries()) {
			const run = await host.deploy(version);
			expect(run.summary.outcomes).toEqual({ h: 'ok' });
			expect(run.execs).toBe(2);
			expect(run.connections).toBe(1);
			expect(host.locked()).toBe(false);
			expect(host.current()).toBe(`generations/${index + 1}`);
			expect(run.events.some((event) => event.type === 'phase' && event.phase === 'cleanup' && event.status === 'ok')).toBe(true);
		}
		// keep = 2: the newest two remain (current and previous).
		expect(host.generations()).toEqual(['3', '4']);
	});

	it('with the watchdog: cleanup rides along with the confirmation over the new connection', async () => {
		const host = setup('watchdog = true\nconfirm_timeout = 30');
		expect((await host.deploy('v1')).execs).toBe(2); // no previous generation: no watchdog
		for (const version of ['v2', 'v3']) {
			const run = await host.deploy(version);
			expect(run.summary.outcomes).toEqual({ h: 'ok' });
			expect(run.execs).toBe(3);
			expect(run.connections).toBe(2);
			expect(host.locked()).toBe(false);
		}
		expect(host.generations()).toEqual(['2', '3']);
		// Each watchdog sees its confirmation (it polls once a second) and ends without reverting.
		const watchdogFiles = () => readdirSync(path.join(host.root, '.watchdog'));
		await waitFor(() => watchdogFiles().length === 0, `the watchdogs to end (left: ${watchdogFiles().join(', ')})`);
		expect(host.current()).toBe('generations/3');
	});

	it('with health checks: cleanup stays its own round trip, and a failed check still rolls back and unlocks', async () => {
		const host = setup('watchdog = false\nhealth = { command = "! grep -q bad version.txt", retries = 0 }');
		expect((await host.deploy('v1')).execs).toBe(4); // preflight + upload, switch, health, cleanup
		const bad = await host.deploy('bad');
		expect(bad.summary.outcomes).toEqual({ h: 'rolled-back' });
		expect(host.current()).toBe('generations/1');
		expect(host.locked()).toBe(false);
	});
});
