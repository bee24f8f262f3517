import type { EmitEvent } from './events.js';
import { HostFailure, type HostSession, type ScriptResult } from './host-session.js';
import { connect, type HostRun } from './host-run.js';
import { lockHolder } from './lock-holder.js';
import { breakLock, lockHeldExit, takeLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import { collectWatchdogReverts } from './remote/watchdog.js';
import type { OpenTransport } from './requests.js';

export interface LockRequest {
	readonly openTransport: OpenTransport;
	readonly emit: EmitEvent;
	readonly operator: string;
	readonly runId: string;
	readonly breakLock?: boolean;
}

/** The lock (broken first with --break-lock), earlier watchdog reverts, then `then`: one script. */
export function lockScript(run: HostRun, request: LockRequest, then: string): string {
	const root = run.host.root;
	const at = new Date().toISOString();
	const owner = { operator: request.operator, machine: request.operator.split('@')[1] ?? '', pid: process.pid, runId: request.runId, startedAt: at };
	return script(request.breakLock && breakLock(root, request.operator, at), takeLock(root, owner), collectWatchdogReverts(root), then);
}

/**
 * Reads what the lock part of a `lockScript` said: notes a broken lock and earlier watchdog
 * reverts, and fails the host on a held lock, missing tools or any other failure.
 */
export function reportLock(run: HostRun, session: HostSession, result: Pick<ScriptResult, 'markers' | 'code' | 'failure' | 'stderr'>): void {
	run.locked = result.markers.includes('locked');
	const broken = result.markers.find((line) => line.startsWith('lock-broken'));
	if (broken) session.info(`broke the lock: ${lockHolder([broken.replace('lock-broken', 'lock-held')], run.host.staleLockMs).reason.replace(/ — .*$/, '')} (recorded in switches.log)`);
	for (const line of result.markers.filter((marker) => marker.startsWith('watchdog-reverted-earlier '))) {
		const [, file, exit, time] = line.split(' ');
		session.info(`reverted by watchdog at ${time}: switch ${file?.replace(/\.reverted$/, '')} was never confirmed (revert exit status ${exit})`);
	}
	if (result.code === lockHeldExit) throw new HostFailure(lockHolder(result.markers, run.host.staleLockMs).reason);
	const missing = result.markers.find((line) => line.startsWith('missing '));
	if (missing) throw new HostFailure(`missing tools on host:${missing.slice('missing'.length)}`);
	if (result.code !== 0) throw new HostFailure(`preflight: ${result.failure ?? (result.stderr.trim().split('\n').at(-1) || `exit status ${result.code}`)}`);
}

/**
 * Connects, takes the host's lock (breaking a held one first with --break-lock) and runs `then`
 * in the same round trip. A held lock fails the host with its owner named.
 */
export async function lockAndRun(run: HostRun, request: LockRequest, then: string): Promise<ScriptResult> {
	const session = await connect(run, request.openTransport, request.emit);
	const result = await session.run(lockScript(run, request, then));
	reportLock(run, session, result);
	return result;
}
