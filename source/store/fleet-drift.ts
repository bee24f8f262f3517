import type { HostGenerations } from './hot-slice.js';

/** Which release the fleet runs, as the hosts list it: the newest one live anywhere, and who is not on it. */
export interface FleetDrift {
	/** The release of the newest generation current on any host. */
	readonly release: string;
	/** Hosts read whose current generation is another release (or none). */
	readonly behind: readonly string[];
	/** Hosts whose generations were read. */
	readonly read: number;
	/** Hosts not read (yet, or they could not be reached). */
	readonly unread: number;
}

const memo = new WeakMap<object, FleetDrift | null>();

/**
 * Drift at a glance: the newest release live on any host (by its generation's creation time)
 * and the hosts not on it; null until some host has a current generation. Computed once per
 * published set of listings.
 */
export function fleetDrift(order: readonly string[], generations: Readonly<Record<string, HostGenerations>>): FleetDrift | null {
	if (memo.has(generations)) return memo.get(generations)!;
	const running = new Map<string, { release: string; created: string } | null>();
	for (const name of order) {
		const listed = generations[name];
		if (!listed || listed.error !== undefined) continue;
		const current = listed.list.find((generation) => generation.id === listed.current);
		running.set(name, current ? { release: current.release, created: current.created } : null);
	}
	let newest: { release: string; created: string } | null = null;
	for (const live of running.values()) if (live && (newest === null || live.created > newest.created)) newest = live;
	const drift = newest === null ? null : { release: newest.release, behind: [...running].filter(([, live]) => live?.release !== newest!.release).map(([name]) => name), read: running.size, unread: order.length - running.size };
	memo.set(generations, drift);
	return drift;
}
