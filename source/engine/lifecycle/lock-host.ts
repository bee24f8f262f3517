import type { EmitEvent } from '../events.js';
import { failureReason, HostFailure, type HostSession, type ScriptResult } from '../host-session.js';
import type { HostState } from '../host-state.js';
import { generationsEvent, listingScript, readListing } from '../host-listing.js';
import { lockHolder } from '../lock-holder.js';
import { readMissingTools } from '../remote/inspect.js';
import { unlessListingChanged } from '../remote/listing-digest.js';
import { breakLock, lockHeldExit, peekLock, readLocked, readLockOwner, releaseLock, takeLock } from '../remote/lock.js';
import { script } from '../remote/quote.js';
import type { OpenTransport } from '../requests.js';
import { readBusy, readDisarmed, readEarlierReverts, settleEarlierWatchdogs } from './dead-man.js';
import { inspected } from './host-lifecycle.js';
import type { HostRun } from './host-run.js';

/** What taking a host's lock needs of the run. */
export interface LockingRun {
	readonly operator: string;
	readonly runId: string;
	/** Remove a held lock first (recorded in switches.log). */
	readonly breakLock?: boolean;
	readonly openTransport: OpenTransport;
	readonly emit: EmitEvent;
	readonly signal?: AbortSignal;
}

/**
 * The lock (broken first with --break-lock), earlier watchdogs settled, then `then`: one script,
 * about to be sent. If this process dies from now on (kill -9, a lost network), the host releases
 * the lock itself: the release is armed on the connection ahead of the script (not waited for: it
 * travels in front of it, so it costs no round trip).
 */
export function lockScript(run: LockingRun, host: HostRun, then: string): string {
	const root = host.host.root;
	const at = new Date().toISOString();
	const owner = { operator: run.operator, machine: run.operator.split('@')[1] ?? '', pid: process.pid, runId: run.runId, startedAt: at };
	if (host.lock === 'free') host.lock = 'asked';
	host.onDisconnect(releaseLock(root, run.runId));
	return script(run.breakLock && breakLock(root, run.operator, at), takeLock(root, owner), settleEarlierWatchdogs(root, run.runId), then);
}

/** A read-only preflight (dry run, check): says who holds the lock, takes nothing, writes nothing. */
export const preflightScript = (host: HostRun, then: string): string => script(peekLock(host.host.root), then);

/**
 * Reads what the lock part of a script said: notes a broken lock and earlier watchdog reverts,
 * and fails the host on a held lock (unless it only peeked), missing tools or any other failure.
 */
export function reportLock(host: HostRun, session: HostSession, result: Pick<ScriptResult, 'markers' | 'code' | 'failure' | 'stderr' | 'stdout' | 'signal'>, peeked = false): void {
	if (readLocked(result.markers)) host.lock = 'held';
	// A script that ended (or got past its lock part) has said whether it took the lock.
	else if (result.code !== null && host.lock === 'asked') host.lock = 'free';
	const broken = readLockOwner(result.markers, 'broken');
	if (broken.printed) session.info(`broke the lock: ${lockHolder(broken.owner, host.host.staleLockMs).reason.replace(/ — .*$/, '')} (recorded in switches.log)`);
	for (const revert of readEarlierReverts(result.markers)) session.info(`reverted by watchdog at ${revert.time}: switch ${revert.token} was never confirmed (revert exit status ${revert.exit})`);
	for (const token of readDisarmed(result.markers)) session.info(`disarmed the watchdog of switch ${token}: its run never confirmed it, and this run holds the host now`);
	const busy = readBusy(result.markers);
	if (busy.length > 0) throw new HostFailure(`the watchdog of switch ${busy.join(', ')} is still reverting this host; try again once it is done`);
	const held = readLockOwner(result.markers, 'held');
	if (peeked && held.printed) session.info(`lock: ${lockHolder(held.owner, host.host.staleLockMs).reason}`);
	if (result.code === lockHeldExit) throw new HostFailure(lockHolder(held.owner, host.host.staleLockMs).reason);
	const missing = readMissingTools(result.markers);
	if (missing) throw new HostFailure(`missing tools on host: ${missing.join(' ')}`);
	if (result.code !== 0) throw new HostFailure(`preflight: ${failureReason(result)}`);
}

/**
 * Connects, takes the host's lock (breaking a held one first with --break-lock) and runs `then`
 * in the same round trip. A held lock fails the host with its owner named.
 */
export async function lockAndRun(run: LockingRun, host: HostRun, then: string): Promise<{ readonly session: HostSession; readonly result: ScriptResult }> {
	const session = await host.connect(run.openTransport, run.emit);
	const result = await session.run(lockScript(run, host, then), { signal: run.signal });
	reportLock(host, session, result);
	return { session, result };
}

/** Lock and listing in one round trip: the host is then inspected as it lists under this run's lock. */
export async function lockAndList(run: LockingRun, host: HostRun): Promise<HostState> {
	const { session, result } = await lockAndRun(run, host, listingScript(host));
	const state = readListing(host, result);
	remember(run, host, session, state);
	return state;
}

/**
 * Lock and listing in front of other work, in its round trip, which goes on only if the host
 * lists exactly what `digest` was read from (else it ends there, printing `SY:stale`).
 */
export const guardedListingScript = (run: LockingRun, host: HostRun, digest: string): string => lockScript(run, host, script(listingScript(host), unlessListingChanged(digest)));

/** What the host listed in this run's preflight, under its lock: the state its work starts from, and shown. */
export function remember(run: { readonly emit: EmitEvent }, host: HostRun, session: HostSession, state: HostState): void {
	host.state = inspected(session, state);
	run.emit(generationsEvent(host.host.name, state));
}
