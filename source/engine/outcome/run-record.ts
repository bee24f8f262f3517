import type { EngineEvent, HostOutcome, Phase, RunKind, RunSummary } from '../events.js';
import { applyToHost, emptyHostRecord, hostsOfEvent, type HostRecord, type HostRecordDraft } from './host-record.js';

/** One run as its events tell it: the hosts' records and, once it ended, its summary. */
export interface RunRecord {
	readonly runId: string | null;
	readonly kind: RunKind | null;
	readonly release: string | null;
	readonly phases: readonly Phase[];
	readonly hosts: readonly string[];
	readonly records: Readonly<Record<string, HostRecord>>;
	readonly artifact?: string;
	/** The confirm's answer, once asked. */
	readonly confirmed?: boolean;
	readonly finished: boolean;
	readonly cancelled: boolean;
}

/**
 * Folds an event stream into a RunRecord. Used where the whole record is wanted (the engine's own
 * summary, the headless printer, the recorder, tests); the console folds into its batched drafts
 * with the same `applyToHost`.
 */
export class RunFold {
	private runHosts: readonly string[] = [];
	private readonly drafts = new Map<string, HostRecordDraft>();
	private head: Omit<RunRecord, 'records' | 'hosts'> = { runId: null, kind: null, release: null, phases: [], finished: false, cancelled: false };

	readonly apply = (event: EngineEvent): void => {
		if (event.type === 'run-started') {
			this.runHosts = event.hosts;
			this.drafts.clear();
			this.head = { runId: event.runId, kind: event.kind, release: event.release, phases: event.phases, artifact: event.artifact, finished: false, cancelled: false };
		}
		if (event.type === 'confirm') this.head = { ...this.head, confirmed: event.answer };
		if (event.type === 'run-finished') this.head = { ...this.head, finished: true, cancelled: event.cancelled };
		if (event.type === 'log') return;
		for (const name of hostsOfEvent(event, this.runHosts)) applyToHost(this.draft(name), event);
	};

	get record(): RunRecord {
		return { ...this.head, hosts: this.runHosts, records: Object.fromEntries(this.runHosts.map((name) => [name, this.draft(name)])) };
	}

	host(name: string): HostRecord {
		return this.draft(name);
	}

	private draft(name: string): HostRecordDraft {
		let draft = this.drafts.get(name);
		if (!draft) {
			draft = { ...emptyHostRecord(name) };
			this.drafts.set(name, draft);
		}
		return draft;
	}
}

/** Counts, reasons and where each host ended, over the run's hosts. A host without an outcome failed. */
export function summarize(record: Pick<RunRecord, 'hosts' | 'records'>): RunSummary {
	const outcomes: Record<string, HostOutcome> = {};
	const reasons: Record<string, string> = {};
	const current: Record<string, number | null> = {};
	for (const name of record.hosts) {
		const host = record.records[name];
		outcomes[name] = host?.outcome ?? 'failed';
		if (host?.reason) reasons[name] = host.reason;
		if (host?.current !== undefined) current[name] = host.current;
	}
	const count = (...wanted: HostOutcome[]) => Object.values(outcomes).filter((outcome) => wanted.includes(outcome)).length;
	return {
		passed: count('ok'),
		failed: count('failed', 'manual'),
		rolledBack: count('rolled-back'),
		staged: count('staged'),
		cancelled: count('cancelled'),
		total: record.hosts.length,
		outcomes,
		reasons,
		current,
	};
}
