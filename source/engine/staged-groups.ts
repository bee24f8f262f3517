import type { StagedHost } from './events.js';

/** Staged hosts that go through the same change: one line of the switch question. */
export interface StagedGroup {
	/** The first host stands for the group (its diff, its warnings). */
	readonly first: StagedHost;
	readonly hosts: readonly string[];
}

/** Hosts change the same way when they step between the same generations with the same diff and warnings. */
const changeKey = (staged: StagedHost): string =>
	JSON.stringify([staged.from, staged.to, staged.release, staged.diff.added, staged.diff.changed, staged.diff.removed, staged.diff.bytes, staged.warnings ?? []]);

/**
 * The staged hosts grouped by their change, the biggest group first, then the outliers in the
 * order they staged: 200 hosts that all go ∅ → 1 with the same diff are one line, and the one
 * that differs stands apart where the operator sees it.
 */
export function groupStaged(staged: readonly StagedHost[]): StagedGroup[] {
	const groups = new Map<string, { first: StagedHost; hosts: string[]; order: number }>();
	for (const host of staged) {
		const key = changeKey(host);
		const group = groups.get(key);
		if (group) group.hosts.push(host.host);
		else groups.set(key, { first: host, hosts: [host.host], order: groups.size });
	}
	return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length || a.order - b.order).map(({ first, hosts }) => ({ first, hosts }));
}

/** The releases the staged hosts would switch to, with how many hosts each (most first). */
export function stagedReleases(staged: readonly StagedHost[]): { readonly release: string; readonly hosts: number }[] {
	const counts = new Map<string, number>();
	for (const host of staged) counts.set(host.release, (counts.get(host.release) ?? 0) + 1);
	return [...counts].map(([release, hosts]) => ({ release, hosts })).sort((a, b) => b.hosts - a.hosts);
}
