import { endingRules } from '../engine/outcome/endings.js';
import { activityOf, type HostView } from './host-view.js';

/** How the hosts on screen are ordered: as in hosts.toml, problems first, by name, by generation. */
export const hostSorts = ['config', 'state', 'name', 'generation'] as const;
export type HostSort = (typeof hostSorts)[number];

export const sortNames: Record<HostSort, string> = { config: 'config order', state: 'state', name: 'name', generation: 'generation' };

/**
 * Problems first (the rules' order: manual, failed, rolled back), then work under way, then what
 * is settled: what an operator of a big fleet looks for. Hosts never run sort last.
 */
export function stateRank(host: Pick<HostView, 'ending' | 'progress' | 'busySince'>): number {
	if (host.ending && endingRules[host.ending].failed) return endingRules[host.ending].rank;
	const activity = activityOf(host);
	if (activity === 'running') return 10;
	if (activity === 'waiting') return 11;
	if (activity === 'queued') return 12;
	return host.ending ? 20 + endingRules[host.ending].rank : 40;
}

/** A host ended its latest run failed, needing a person, or rolled back: what `f` jumps to. */
export function isFailed(host: Pick<HostView, 'ending'> | undefined): boolean {
	return host?.ending ? endingRules[host.ending].failed : false;
}

const compareNames = new Intl.Collator(undefined, { numeric: true }).compare;

const comparators: Record<HostSort, (a: HostView, b: HostView) => number> = {
	config: () => 0,
	state: (a, b) => stateRank(a) - stateRank(b),
	name: (a, b) => compareNames(a.name, b.name),
	// Hosts behind first (unknown, then none, then lowest), so the stragglers are on top.
	generation: (a, b) => generationKey(a) - generationKey(b),
};

function generationKey(host: HostView): number {
	if (host.current === undefined) return -2;
	if (host.current === null) return -1;
	return host.current;
}

/** The group a host is shown in: its `group`-th tag (1-based), or '' (no tag there). */
export function groupOf(host: Pick<HostView, 'tags'>, group: number): string {
	return host.tags[group - 1] ?? '';
}

export interface OrderInput {
	/** Names passing the filter, in config order. */
	readonly visible: readonly string[];
	readonly hosts: Readonly<Record<string, HostView>>;
	readonly sort: HostSort;
	/** 0: no grouping; n: grouped by each host's n-th tag. */
	readonly group: number;
}

/**
 * The hosts on screen, in display order: grouped (groups in order of first appearance, hosts
 * without that tag last), then sorted, ties kept in config order. Movement, paging and `f` walk
 * this order; the focus is a name, so it stays on its host whatever the order does.
 */
export function orderHosts(input: OrderInput): string[] {
	const { visible, hosts, sort, group } = input;
	if (sort === 'config' && group === 0) return [...visible];
	const position = new Map(visible.map((name, index) => [name, index]));
	const groupRank = new Map<string, number>();
	if (group > 0) {
		for (const name of visible) {
			const tag = groupOf(hosts[name] ?? { tags: [] }, group);
			if (tag !== '' && !groupRank.has(tag)) groupRank.set(tag, groupRank.size);
		}
	}
	const rankOf = (name: string): number => {
		if (group === 0) return 0;
		const tag = groupOf(hosts[name] ?? { tags: [] }, group);
		return tag === '' ? Number.MAX_SAFE_INTEGER : (groupRank.get(tag) ?? 0);
	};
	const compare = comparators[sort];
	return [...visible].sort((a, b) => {
		const byGroup = rankOf(a) - rankOf(b);
		if (byGroup !== 0) return byGroup;
		const hostA = hosts[a];
		const hostB = hosts[b];
		const bySort = hostA && hostB ? compare(hostA, hostB) : 0;
		return bySort !== 0 ? bySort : (position.get(a) ?? 0) - (position.get(b) ?? 0);
	});
}

/** `orderHosts`, recomputed only when one of its inputs is a different object. */
export function memoizedOrder(): (input: OrderInput) => readonly string[] {
	let last: { input: OrderInput; result: string[] } | null = null;
	return (input) => {
		// Host views change with every batch of events; only state and generation sorts read them (tags never change).
		const sameHosts = last?.input.hosts === input.hosts || (input.sort !== 'state' && input.sort !== 'generation');
		if (last && last.input.visible === input.visible && last.input.sort === input.sort && last.input.group === input.group && sameHosts) return last.result;
		last = { input, result: orderHosts(input) };
		return last.result;
	};
}

/** The name `offset` places after (before, when negative) `from` in `order` that passes `test`, wrapping around. */
export function nextMatching(order: readonly string[], from: string | null, offset: 1 | -1, test: (name: string) => boolean): string | null {
	if (order.length === 0) return null;
	const start = from === null ? -1 : order.indexOf(from);
	for (let step = 1; step <= order.length; step += 1) {
		const index = (((start + offset * step) % order.length) + order.length) % order.length;
		const name = order[index]!;
		if (test(name)) return name;
	}
	return null;
}
