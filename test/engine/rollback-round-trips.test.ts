import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLocalHosts } from '../support/one-local-host.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { EngineEvent, EventOf } from '../../source/engine/events.js';
import { listedState, type HostState } from '../../source/engine/host-state.js';
import { listGenerations } from '../../source/engine/inspect-fleet.js';
import type { RollbackTarget } from '../../source/engine/requests.js';
import { runRollback } from '../../source/engine/rollback.js';
import { LocalTransport } from '../../source/transport/local.js';
import type { ExecOptions } from '../../source/transport/transport.js';

/**
 * Issue #14: a rollback is one round trip per host (plus health checks and the watchdog's new
 * login) when the engine holds a listing of the host (the console's, the last run's read-back):
 * lock, listing and switch travel together, guarded by the host's digest of that listing. A host
 * that changed since is asked again and rolled back from what it lists now.
 */
const newHost = oneLocalHosts('switchyard-rollback-trips-');

function setup(hostToml: string) {
	const { dir, root, config } = newHost(hostToml);
	/** A transport per connection that counts its scripts (connections[0] is the run's, later ones new logins). */
	const counted = () => {
		const connections: string[][] = [];
		const openTransport = () => {
			const scripts: string[] = [];
			connections.push(scripts);
			const local = new LocalTransport();
			return Object.assign(Object.create(local) as LocalTransport, {
				exec: (script: string, options?: ExecOptions) => {
					scripts.push(script);
					return local.exec(script, options);
				},
			});
		};
		return { connections, openTransport };
	};
	const context = (events: EngineEvent[], openTransport: () => LocalTransport) => ({ config, hosts: config.hosts, emit: (event: EngineEvent) => void events.push(event), openTransport, operator: 'test@here' });
	const deploy = async (version: string) => {
		writeFileSync(path.join(dir, 'artifact', 'version.txt'), version);
		const summary = await runDeploy({ ...context([], counted().openTransport), phases: ['preflight', 'upload', 'switch', 'validate'], confirm: async () => true });
		expect(summary.outcomes).toEqual({ h: 'ok' });
	};
	const listing = async (): Promise<HostState> => {
		const events: EngineEvent[] = [];
		await listGenerations(context(events, counted().openTransport));
		return lastListing(events)!;
	};
	const rollback = async (target: RollbackTarget, known?: HostState) => {
		const events: EngineEvent[] = [];
		const { connections, openTransport } = counted();
		const summary = await runRollback({ ...context(events, openTransport), target, ...(known ? { known: new Map([['h', known]]) } : {}) });
		const trips = (phase: string) => events.filter((event): event is EventOf<'phase'> => event.type === 'phase' && event.phase === phase && event.status !== 'running').map((event) => event.trips);
		return { summary, events, connections, trips, readBack: lastListing(events) };
	};
	const current = () => readlinkSync(path.join(root, 'current'));
	const status = (id: number) => readFileSync(path.join(root, 'generations', String(id), '.switchyard', 'status'), 'utf8').split(' ')[0];
	const locked = () => existsSync(path.join(root, '.lock'));
	return { deploy, listing, rollback, current, status, locked, root };
}

/** The last listing the run read back (its digest says it was read, not derived). */
function lastListing(events: readonly EngineEvent[]): HostState | undefined {
	const event = events.filter((each): each is EventOf<'generations'> => each.type === 'generations').at(-1);
	return event && listedState(event);
}

describe('rollback round trips', () => {
	it('with a listing held and no watchdog: lock, listing, switch, release and read-back in one round trip', async () => {
		const host = setup('watchdog = false\nafter_switch = ["echo activated"]');
		await host.deploy('v1');
		await host.deploy('v2');
		const first = await host.rollback({ previous: true }, await host.listing());
		// One round trip, but the operator still sees the phases in their order: the switch's output is the switch's.
		const at = (match: (event: EngineEvent) => boolean) => first.events.findIndex(match);
		const preflightOk = at((event) => event.type === 'phase' && event.phase === 'preflight' && event.status === 'ok');
		const switchRunning = at((event) => event.type === 'phase' && event.phase === 'switch' && event.status === 'running');
		const activated = at((event) => event.type === 'log' && event.line === 'activated');
		expect(preflightOk).toBeGreaterThan(-1);
		expect(switchRunning).toBeGreaterThan(preflightOk);
		expect(activated).toBeGreaterThan(switchRunning);
		expect(first.summary.outcomes).toEqual({ h: 'ok' });
		expect(first.connections.map((scripts) => scripts.length)).toEqual([1]);
		expect(first.trips('preflight')).toEqual([1]);
		expect(first.trips('switch')).toEqual([0]);
		expect(host.current()).toBe('generations/1');
		expect(host.status(2)).toBe('rolled-back-from');
		expect(host.locked()).toBe(false);
		// What it ends with was read back: the next rollback starts from it, again in one round trip.
		expect(first.readBack?.current).toBe(1);
		const second = await host.rollback({ generation: 2 }, first.readBack);
		expect(second.summary.outcomes).toEqual({ h: 'ok' });
		expect(second.connections.map((scripts) => scripts.length)).toEqual([1]);
		expect(host.current()).toBe('generations/2');
		expect(host.locked()).toBe(false);
	});

	it('without a listing: lock and listing first, then the switch (two round trips)', async () => {
		const host = setup('watchdog = false');
		await host.deploy('v1');
		await host.deploy('v2');
		const run = await host.rollback({ previous: true });
		expect(run.summary.outcomes).toEqual({ h: 'ok' });
		expect(run.connections.map((scripts) => scripts.length)).toEqual([2]);
		expect(host.current()).toBe('generations/1');
	});

	it('a host that changed since it was listed is asked again: the target comes from what it lists now', async () => {
		const host = setup('watchdog = false');
		await host.deploy('v1');
		await host.deploy('v2');
		const stale = await host.listing();
		// Someone deploys after the listing: "previous" is now 2, not the 1 the old listing gives.
		await host.deploy('v3');
		const run = await host.rollback({ previous: true }, stale);
		expect(run.summary.outcomes).toEqual({ h: 'ok' });
		expect(run.connections.map((scripts) => scripts.length)).toEqual([2]);
		expect(host.current()).toBe('generations/2');
		expect(host.status(3)).toBe('rolled-back-from');
		expect(host.status(1)).toBe('live');
		expect(host.locked()).toBe(false);
		expect(run.events.some((event) => event.type === 'log' && event.line.includes('changed since its generations were listed'))).toBe(true);
	});

	it('with the watchdog: one round trip, then the confirmation over a new login carries the release and read-back', async () => {
		const host = setup('watchdog = true\nconfirm_timeout = 30');
		await host.deploy('v1');
		await host.deploy('v2');
		const run = await host.rollback({ previous: true }, await host.listing());
		expect(run.summary.outcomes).toEqual({ h: 'ok' });
		expect(run.connections.map((scripts) => scripts.length)).toEqual([1, 1]);
		expect(host.current()).toBe('generations/1');
		expect(host.locked()).toBe(false);
		expect(run.readBack?.current).toBe(1);
	});

	it('a held lock fails the host in preflight, naming its owner, and switches nothing', async () => {
		const host = setup('watchdog = false');
		await host.deploy('v1');
		await host.deploy('v2');
		const known = await host.listing();
		mkdirSync(path.join(host.root, '.lock'));
		writeFileSync(path.join(host.root, '.lock', 'owner.json'), JSON.stringify({ operator: 'someone@else', machine: 'else', pid: 1, runId: 'other', startedAt: new Date().toISOString() }));
		const run = await host.rollback({ previous: true }, known);
		expect(run.summary.outcomes).toEqual({ h: 'failed' });
		expect(run.events.some((event) => event.type === 'phase' && event.phase === 'preflight' && event.status === 'failed' && /someone@else/.test(event.reason ?? ''))).toBe(true);
		expect(run.events.filter((event) => event.type === 'phase' && event.phase === 'switch').map((event) => (event as EventOf<'phase'>).status)).toEqual(['skipped']);
		expect(host.current()).toBe('generations/2');
		expect(existsSync(path.join(host.root, '.lock'))).toBe(true);
	});
});
