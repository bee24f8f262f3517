import type { EngineEvent, HostOutcome, Phase, RunKind, RunSummary } from '../events.js';
import { tallyOfRun } from './tally.js';
import { applyToHost, emptyHostRecord, hostsOfEvent, type HostRecord, type HostRecordDraft } from './host-record.js';
import { isWarning } from '../warnings.js';

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
	/** `warning:` lines each host's build or dry run printed (pantherOS checks for them), by host. */
	readonly warnings?: Readonly<Record<string, readonly string[]>>;
}

/** Phases whose output is searched for warnings: the build and the preflight's dry run. */
const warningPhases: ReadonlySet<string> = new Set(['build', 'preflight']);

/**
 * Folds an event stream into a RunRecord. Used where the whole record is wanted (the engine's own
 * summary, the headless printer, the recorder, tests); the console folds into its batched drafts
 * with the same `applyToHost`.
 */
export class RunFold {
	private runHosts: readonly string[] = [];
	private readonly drafts = new Map<string, HostRecordDraft>();
	private readonly warnings = new Map<string, string[]>();
	private head: Omit<RunRecord, 'records' | 'hosts'> = { runId: null, kind: null, release: null, phases: [], finished: false, cancelled: false };

	readonly apply = (event: EngineEvent): void => {
		if (event.type === 'run-started') {
			this.runHosts = event.hosts;
			this.drafts.clear();
			this.warnings.clear();
			this.head = { runId: event.runId, kind: event.kind, release: event.release, phases: event.phases, artifact: event.artifact, finished: false, cancelled: false };
		}
		if (event.type === 'confirm') this.head = { ...this.head, confirmed: event.answer };
		if (event.type === 'run-finished') this.head = { ...this.head, finished: true, cancelled: event.cancelled };
		if (event.type === 'log') {
			if (event.stream !== 'info' && isWarning(event.line)) this.noteWarning(event.line, hostsOfEvent(event, this.runHosts));
			return;
		}
		for (const name of hostsOfEvent(event, this.runHosts)) applyToHost(this.draft(name), event);
	};

	get record(): RunRecord {
		const warnings = this.warnings.size === 0 ? {} : { warnings: Object.fromEntries(this.warnings) };
		return { ...this.head, hosts: this.runHosts, records: Object.fromEntries(this.runHosts.map((name) => [name, this.draft(name)])), ...warnings };
	}

	/** A warning counts for the hosts whose build or dry run is running (a shared build's: every host's). */
	private noteWarning(line: string, hosts: readonly string[]): void {
		for (const name of hosts) {
			if (!this.draft(name).phases.some((mark) => warningPhases.has(mark.phase) && mark.status === 'running')) continue;
			const list = this.warnings.get(name) ?? [];
			if (!list.includes(line.trimEnd())) list.push(line.trimEnd());
			this.warnings.set(name, list);
		}
	}

	warningsOf(name: string): readonly string[] {
		return this.warnings.get(name) ?? [];
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

/** The tally, reasons and where each host ended, over the run's hosts. A host without an outcome failed. */
export function summarize(record: Pick<RunRecord, 'kind' | 'phases' | 'hosts' | 'records' | 'warnings'>, interrupted = false): RunSummary {
	const outcomes: Record<string, HostOutcome> = {};
	const reasons: Record<string, string> = {};
	const current: Record<string, number | null> = {};
	for (const name of record.hosts) {
		const host = record.records[name];
		outcomes[name] = host?.outcome ?? 'failed';
		if (host?.reason) reasons[name] = host.reason;
		if (host?.current !== undefined) current[name] = host.current;
	}
	const kind = record.kind ?? 'deploy';
	return {
		kind,
		tally: tallyOfRun(kind, record.phases, Object.values(outcomes), interrupted),
		outcomes,
		reasons,
		current,
		...(record.warnings && Object.keys(record.warnings).length > 0 ? { warnings: record.warnings } : {}),
	};
}
