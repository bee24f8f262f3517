import { hostname } from 'node:os';
import type { LockFacts } from './events.js';
import { readLockOwner, type LockOwner } from './remote/lock.js';

/** How a held lock's reason begins (`lockHolder`): a host refused by someone else's lock, read back from a record. */
const lockedBy = 'locked by ';

/** The host's reason says it was refused by a lock someone else held (nothing of the run touched it). */
export const refusedByLock = (reason: string | undefined): boolean => reason?.startsWith(lockedBy) === true;

export interface LockHolder {
	readonly owner?: LockOwner;
	readonly stale: boolean;
	/** One line for the host's tile: who, since when, and whether it looks abandoned. */
	readonly reason: string;
}

const processAlive = (pid: number): boolean => {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
};

/**
 * Describes a lock's owner (as `readLockOwner` read it). A lock is stale when its owner ran on
 * this machine and that process is gone, or when it is older than `staleAfterMs`.
 */
export function lockHolder(owner: LockOwner | undefined, staleAfterMs: number, now = new Date(), isAlive = processAlive, thisMachine = hostname()): LockHolder {
	if (!owner) return { stale: false, reason: `${lockedBy}another deploy (no owner recorded in .lock/owner.json); --break-lock removes it` };
	const ageMs = now.getTime() - new Date(owner.startedAt).getTime();
	const minutes = Math.max(0, Math.round(ageMs / 60_000));
	const gone = owner.machine === thisMachine && !isAlive(owner.pid);
	const stale = gone || ageMs > staleAfterMs;
	const why = gone ? `stale: process ${owner.pid} on ${owner.machine} is gone` : ageMs > staleAfterMs ? `stale: older than ${Math.round(staleAfterMs / 60_000)} min` : '';
	const base = `${lockedBy}${owner.operator} (pid ${owner.pid}, run ${owner.runId}) since ${owner.startedAt}, ${minutes} min ago`;
	return { owner, stale, reason: stale ? `${base} — ${why}; --break-lock removes it` : base };
}

/** The lock a peek (`peekLock`) found in a script's markers, judged here; null when there is none. */
export function lockFacts(markers: readonly string[], staleAfterMs: number): LockFacts | null {
	const held = readLockOwner(markers, 'held');
	if (!held.printed) return null;
	const holder = lockHolder(held.owner, staleAfterMs);
	return { reason: holder.reason, stale: holder.stale, ...(held.owner ? { operator: held.owner.operator, startedAt: held.owner.startedAt } : {}) };
}
