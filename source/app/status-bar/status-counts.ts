import type { ConsoleData } from '../../store/console-store.js';
import { activityOf } from '../../store/host-view.js';

export interface StatusCounts {
	/** In the run, nothing of their own started yet (waiting for a slot or for the build). */
	readonly queued: number;
	/** A phase of their own under way: at most `jobs` of them. */
	readonly running: number;
	/** Started, nothing under way: staged and waiting for the switch question or their wave. */
	readonly waiting: number;
	readonly ok: number;
	readonly failed: number;
	readonly rolledBack: number;
	readonly staged: number;
	readonly cancelled: number;
}

/**
 * Counts over the hosts of the latest run (hosts never run don't count), from the outcome model's
 * progress; before this console has run anything, over the hosts the run records tell of.
 */
export function statusCounts(state: Pick<ConsoleData, 'hosts' | 'run' | 'order'>): StatusCounts {
	const counts = { queued: 0, running: 0, waiting: 0, ok: 0, failed: 0, rolledBack: 0, staged: 0, cancelled: 0 };
	const counted = state.run.hosts.length > 0 ? state.run.hosts : state.order.filter((name) => state.hosts[name]?.recalled);
	for (const name of counted) {
		const host = state.hosts[name];
		if (!host) continue;
		const activity = activityOf(host);
		if (activity === 'queued') counts.queued += 1;
		else if (activity === 'running') counts.running += 1;
		else if (activity === 'waiting') counts.waiting += 1;
		else if (host.outcome === 'ok') counts.ok += 1;
		else if (host.outcome === 'failed' || host.outcome === 'manual') counts.failed += 1;
		else if (host.outcome === 'rolled-back') counts.rolledBack += 1;
		else if (host.outcome === 'staged') counts.staged += 1;
		else if (host.outcome === 'cancelled') counts.cancelled += 1;
	}
	return counts;
}
