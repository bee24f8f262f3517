import { failureReason, HostFailure, type HostSession, type ScriptResult } from './host-session.js';
import { connect, type HostRun } from './host-run.js';
import { lockHolder } from './lock-holder.js';
import { readMissingTools } from './remote/inspect.js';
import { breakLock, lockHeldExit, peekLock, readLocked, readLockOwner, releaseLock, takeLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import { readBusy, readDisarmed, readEarlierReverts, settleEarlierWatchdogs } from './remote/watchdog.js';
import type { FleetRun } from './run-fleet.js';

/**
 * The lock (broken first with --break-lock), earlier watchdogs settled, then `then`: one script,
 * about to be sent. If this process dies from now on (kill -9, a lost network), the host releases
 * the lock itself: the release is armed on the connection ahead of the script (not waited for: it
 * travels in front of it, so it costs no round trip).
 */
export function lockScript(run: FleetRun, host: HostRun, then: string): string {
	const root = host.host.root;
	const at = new Date().toISOString();
	const owner = { operator: run.operator, machine: run.operator.split('@')[1] ?? '', pid: process.pid, runId: run.runId, startedAt: at };
	host.lockSent = true;
	void host.transport?.onDisconnect(releaseLock(root, run.runId)).catch(() => false);
	return script(run.context.breakLock && breakLock(root, run.operator, at), takeLock(root, owner), settleEarlierWatchdogs(root, run.runId, earlierWatchdogWaitSeconds), then);
}

/** How long a new run waits for an earlier run's watchdog that is reverting the host right now. */
const earlierWatchdogWaitSeconds = 60;

/** A read-only preflight (dry run, check): says who holds the lock, takes nothing, writes nothing. */
export const preflightScript = (host: HostRun, then: string): string => script(peekLock(host.host.root), then);

/**
 * Reads what the lock part of a script said: notes a broken lock and earlier watchdog reverts,
 * and fails the host on a held lock (unless it only peeked), missing tools or any other failure.
 */
export function reportLock(host: HostRun, session: HostSession, result: Pick<ScriptResult, 'markers' | 'code' | 'failure' | 'stderr' | 'stdout' | 'signal'>, peeked = false): void {
	if (readLocked(result.markers)) host.locked = true;
	// A script that ended (or got past its lock part) has said whether it took the lock.
	if (result.code !== null) host.lockSent = false;
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
export async function lockAndRun(run: FleetRun, host: HostRun, then: string): Promise<ScriptResult> {
	const session = await connect(host, run.context.openTransport, run.emit);
	const result = await session.run(lockScript(run, host, then), { signal: run.signal });
	reportLock(host, session, result);
	return result;
}
