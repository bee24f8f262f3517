import type { ConsoleData } from '../../store/console-store.js';
import { isHostBusy } from '../../store/host-view.js';

export interface StatusCounts {
	readonly running: number;
	readonly ok: number;
	readonly failed: number;
	readonly rolledBack: number;
	readonly staged: number;
}

/** Counts over the hosts of the latest run (hosts never run don't count). */
export function statusCounts(state: Pick<ConsoleData, 'hosts' | 'run'>): StatusCounts {
	const counts = { running: 0, ok: 0, failed: 0, rolledBack: 0, staged: 0 };
	for (const name of state.run.hosts) {
		const host = state.hosts[name];
		if (!host) continue;
		if (isHostBusy(host)) counts.running += 1;
		else if (host.outcome === 'ok') counts.ok += 1;
		else if (host.outcome === 'failed' || host.outcome === 'manual') counts.failed += 1;
		else if (host.outcome === 'rolled-back') counts.rolledBack += 1;
		else if (host.outcome === 'staged') counts.staged += 1;
	}
	return counts;
}
