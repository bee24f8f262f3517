import type { RunSummary } from './events.js';
import { checkHealth } from './health.js';
import { HostFailure } from './host-session.js';
import { listed } from './lifecycle/host-lifecycle.js';
import { inPhase, type HostRun } from './lifecycle/host-run.js';
import { lockFacts, lockHolder, type LockHolder } from './lock-holder.js';
import { preflightScript, reportLock } from './lifecycle/lock-host.js';
import { breakLock, peekLock, readLockOwner } from './remote/lock.js';
import { script } from './remote/quote.js';
import type { RunContext } from './requests.js';
import { runFleet, type FleetRun } from './run-fleet.js';
import type { HostSession } from './host-session.js';
import { generationsEvent, listingScript, readListing } from './host-listing.js';

/** Each host's work in a read-only or lock-only run: connected first, ended ok unless it throws. */
function eachConnected(context: RunContext, kind: 'generations' | 'check' | 'break-lock', phases: ('preflight' | 'validate')[], work: (run: FleetRun, host: HostRun, session: HostSession) => Promise<void>): Promise<RunSummary> {
	return runFleet(context, {
		kind,
		phases,
		name: async () => ({ release: kind }),
		work: (run) =>
			run.each(run.hosts, async (host) => {
				// A listing given up (the console closing) reaches no more hosts.
				if (run.cancelled) return run.end(host, 'cancelled', 'cancelled before this host was reached');
				await work(run, host, await host.connect(context.openTransport, run.emit));
				await run.end(host, 'ok');
			}),
	});
}

/**
 * Emits one `generations` event per host, and a `host-facts` event saying who holds its lock (in
 * the same round trip). Takes no lock: reading is safe beside a deploy.
 */
export function listGenerations(context: RunContext): Promise<RunSummary> {
	return eachConnected(context, 'generations', [], async (run, host, session) => {
		const result = await session.must(script(peekLock(host.host.root), listingScript(host)), 'listing generations', { signal: run.signal });
		const state = readListing(host, result);
		host.state = listed(session, state);
		run.emit(generationsEvent(host.host.name, state));
		run.emit({ type: 'host-facts', host: host.host.name, lock: lockFacts(result.markers, host.host.staleLockMs) });
	});
}

/**
 * Post-deploy verification (Seance): connection, tools, lock, current generation, and the
 * host's health checks against what runs now. Changes nothing.
 */
export function checkFleet(context: RunContext): Promise<RunSummary> {
	return eachConnected(context, 'check', ['preflight', 'validate'], async (run, host, session) => {
		const { strategy } = host;
		const state = await inPhase(run.emit, host, 'preflight', async () => {
			const result = await session.run(preflightScript(host, strategy.inspect(host.host)), { signal: run.signal });
			reportLock(host, session, result, true);
			const read = strategy.parseState(result);
			run.emit({ type: 'host-facts', host: host.host.name, lock: lockFacts(result.markers, host.host.staleLockMs), ...(read.freeKb === undefined ? {} : { freeKb: read.freeKb }) });
			return read;
		});
		host.state = listed(session, state);
		run.emit({ type: 'generations', host: host.host.name, current: state.current, generations: [...state.generations] });
		if (state.current === null) throw new HostFailure('nothing deployed yet (no current generation)');
		const release = state.generations.find((generation) => generation.current)?.release ?? '';
		await inPhase(run.emit, host, 'validate', async () => {
			const health = await checkHealth({ session, release, values: strategy.templateValues(host.host, { release }) }, run.signal);
			if (!health.ok) throw new HostFailure(health.reason ?? 'health check failed');
		});
		session.info(`generation ${state.current} (${release}) is healthy`);
	});
}

/** Removes each host's deploy lock (the console's "break lock", after a confirm); logged in switches.log. A host with none is skipped. */
export function breakLocks(context: RunContext): Promise<RunSummary> {
	return eachConnected(context, 'break-lock', [], async (run, host, session) => {
		const result = await session.must(breakLock(host.host.root, run.operator, new Date().toISOString()), 'breaking the lock');
		const broken = readLockOwner(result.markers, 'broken');
		if (broken.printed) session.info(`lock removed: ${lockHolder(broken.owner, host.host.staleLockMs).reason.replace(/ — .*$/, '')} (recorded in switches.log)`);
		else await run.end(host, 'skipped', 'no lock was held: nothing was broken');
	});
}

/** Who holds a host's deploy lock: its holder, or null when it is free; `error` when the host could not be asked. */
export type LockReading = { readonly holder: LockHolder | null } | { readonly error: string };

/**
 * Reads each host's lock without taking it (what `B` asks before it offers to break one). A read:
 * nothing is written on the host.
 */
export async function readLocks(context: RunContext): Promise<Map<string, LockReading>> {
	const readings = new Map<string, LockReading>();
	const emit: RunContext['emit'] = (event) => {
		if (event.type === 'host-done' && event.outcome !== 'ok' && !readings.has(event.host)) readings.set(event.host, { error: event.reason ?? event.outcome });
		context.emit(event);
	};
	await eachConnected({ ...context, emit }, 'check', [], async (_run, host, session) => {
		const held = readLockOwner((await session.must(peekLock(host.host.root), 'reading the lock')).markers, 'held');
		readings.set(host.host.name, { holder: held.printed ? lockHolder(held.owner, host.host.staleLockMs) : null });
	});
	return readings;
}
