import { mkdirSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth } from '../../source/engine/health.js';
import { HostSession } from '../../source/engine/host-session.js';
import type { EngineEvent } from '../../source/engine/events.js';
import { LocalTransport } from '../../source/transport/local.js';
import { oneLocalHosts } from '../support/one-local-host.js';

/*
 * A health check's deadline must hold whatever the garbage collector does. On Node 20 a signal
 * made by AbortSignal.timeout() that only AbortSignal.any() refers to is collected with its timer
 * and never fires: a `timeout = 2` check then ran until command_timeout (120 s). Whether it bit
 * depended on when V8 collected; here it is collected on purpose, often, while the check runs.
 */
v8.setFlagsFromString('--expose_gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const newHost = oneLocalHosts('sy-health-');
let collecting: NodeJS.Timeout | undefined;
afterEach(() => clearInterval(collecting));

describe('health check deadlines', () => {
	it('a per-host `health = { timeout = 2 }` stops a check that never ends after 2 s, each attempt, however often memory is collected', async () => {
		const { root, config } = newHost('command_timeout = 30\nhealth = { command = "sleep 31331", timeout = 2, retries = 1, interval = 1 }');
		mkdirSync(path.join(root, 'current'), { recursive: true });
		const host = config.hosts[0]!;
		expect(host.health).toMatchObject({ commands: ['sleep 31331'], timeoutMs: 2000, retries: 1, intervalMs: 1000 });
		const said: string[] = [];
		const session = new HostSession(host, new LocalTransport(), (event: EngineEvent) => event.type === 'log' && said.push(event.line));
		collecting = setInterval(collectGarbage, 20);
		const health = await checkHealth({ session, release: 'r1', values: {} });
		// Not "timed out after 30s": that is command_timeout, the check's own deadline lost.
		expect(health).toEqual({ ok: false, reason: 'sleep 31331: timed out' });
		expect(said).toEqual(['health: sleep 31331: timed out (attempt 1/2)', 'health: sleep 31331: timed out']);
	}, 90_000);
});
