import type { LockOwner } from './remote/lock.js';

/** "locked by alice@laptop (pid 4242, run 20261121-2340-ab12) since 23:40:12 UTC, 12 min ago". */
export function lockHolderReason(markers: readonly string[], now = new Date()): string {
	const line = markers.find((marker) => marker.startsWith('lock-held'));
	const owner = parseOwner(line?.slice('lock-held'.length).trim() ?? '');
	if (!owner) return 'locked by another deploy (no owner recorded in .lock/owner.json)';
	const started = new Date(owner.startedAt);
	const minutes = Math.max(0, Math.round((now.getTime() - started.getTime()) / 60_000));
	return `locked by ${owner.operator} (pid ${owner.pid}, run ${owner.runId}) since ${owner.startedAt}, ${minutes} min ago`;
}

function parseOwner(text: string): LockOwner | undefined {
	try {
		const owner = JSON.parse(text) as LockOwner;
		return typeof owner.operator === 'string' ? owner : undefined;
	} catch {
		return undefined;
	}
}
