import pLimit from 'p-limit';
import type { EmitEvent, EngineEvent, HostOutcome, Phase, RunKind, RunSummary } from './events.js';
import { cleanOutput } from './clean-output.js';
import { connectEarly, newHostRun, reasonOf, skipUnreported, trackPhases, type HostRun } from './host-run.js';
import { RunFold, summarize } from './outcome/run-record.js';
import { releaseLock } from './remote/lock.js';
import { generationsEvent, listingScript, readListing } from './host-listing.js';
import { script } from './remote/quote.js';
import { newRunId, operatorName } from './release.js';
import type { RunContext } from './requests.js';
import { strategyFor } from './strategies/index.js';

export interface FleetSpec {
	readonly kind: RunKind;
	readonly phases: readonly Phase[];
	/** Names the run: a deploy's release (time + revision), or what a rollback or check is about. */
	readonly name: () => Promise<{ readonly release: string; readonly rev?: string }>;
	/** Starts connecting to the first hosts while the run is named (deploy: during the build). */
	readonly connectEarly?: boolean;
	readonly retryOf?: string;
	/** The run's own work; hosts it leaves without an outcome are reported failed. */
	readonly work: (run: FleetRun) => Promise<void>;
}

/**
 * One run of the engine, whatever its kind: the hosts, their bounded concurrency, the one
 * emitter (secrets masked, host output made safe to print, phases tracked, outcome folded), and
 * how a host ends: its lock released and `current` read back in one round trip, its connection
 * closed, then its outcome reported as the host says it is.
 */
export class FleetRun {
	readonly runId: string;
	readonly operator: string;
	readonly hosts: readonly HostRun[];
	readonly emit: EmitEvent;
	readonly signal?: AbortSignal;
	release = '';
	rev?: string;
	private readonly limit: ReturnType<typeof pLimit>;
	private readonly fold = new RunFold();
	private readonly endings = new Set<Promise<void>>();

	constructor(
		readonly context: RunContext,
		readonly spec: FleetSpec,
	) {
		this.runId = context.runId ?? newRunId();
		this.operator = context.operator ?? operatorName();
		this.hosts = context.hosts.map(newHostRun);
		this.signal = context.signal;
		const folded: EmitEvent = (event) => {
			this.fold.apply(event);
			context.emit(event);
		};
		this.emit = trackPhases(this.hosts, cleanOutput(context.hosts, folded));
		this.limit = pLimit(context.jobs ?? context.config.jobs);
	}

	get phases(): readonly Phase[] {
		return this.spec.phases;
	}

	/** The `warning:` lines a host's build and dry run printed, as shown (secrets masked). */
	warningsOf(host: string): readonly string[] {
		return this.fold.warningsOf(host);
	}

	get cancelled(): boolean {
		return this.signal?.aborted === true;
	}

	/** Runs `work` for each host not yet ended, at most `jobs` at a time; a throw ends that host as failed (or cancelled). */
	async each(hosts: readonly HostRun[], work: (host: HostRun) => Promise<void>): Promise<void> {
		await Promise.all(
			hosts.map((host) =>
				this.limit(async () => {
					if (host.ended) return;
					try {
						await work(host);
					} catch (error) {
						await this.fail(host, error);
					}
				}),
			),
		);
	}

	/** Ends a host after an error: cancelled when the run was, failed with the error's reason otherwise. */
	fail(host: HostRun, error: unknown, cancelledReason = 'cancelled; nothing changed'): Promise<void> {
		return this.cancelled ? this.end(host, 'cancelled', cancelledReason) : this.end(host, 'failed', reasonOf(error));
	}

	/**
	 * The host is done: its closing round trip (anything queued for it, the lock released, its
	 * generations read back), its connection closed, then `host-done` with the outcome reconciled with what the
	 * host says. Once per host; later calls are ignored.
	 */
	end(host: HostRun, outcome: HostOutcome, reason?: string): Promise<void> {
		if (host.ended) return Promise.resolve();
		host.ended = true;
		const ending = this.close(host).then((current) => {
			const told = reconcile(host, outcome, reason, current);
			this.emit({ type: 'host-done', host: host.host.name, outcome: told.outcome, ...(told.reason ? { reason: told.reason } : {}), ...(current === undefined ? {} : { current }) });
		});
		this.endings.add(ending);
		return ending;
	}

	private async close(host: HostRun): Promise<number | null | undefined> {
		const strategy = strategyFor(host.host);
		let current = host.readBack;
		// Released whenever a lock script went out: its answer may have been lost to a cancel, and the release only removes this run's own lock.
		const release = host.locked || host.lockSent;
		const closing = script(...host.atClose, release && releaseLock(host.host.root, this.runId), listingScript(host.host));
		if (host.session && (release || host.atClose.length > 0 || (current === undefined && host.expected !== undefined))) {
			// Never cancelled: the lock must go whatever else happened; the command deadline bounds it.
			const result = await host.session.run(closing).catch(() => undefined);
			if (result?.code === 0) {
				current = strategy.parseCurrent(result.markers) ?? current;
				host.locked = host.lockSent = false;
				// The host's generations as it lists them at the end: what the next run may start from.
				const listed = readListing(host.host, result);
				if (listed.digest !== undefined) this.emit(generationsEvent(host.host.name, listed));
			}
		}
		await host.transport?.close().catch(() => {});
		if (current === undefined && !host.locked && host.state) current = host.state.current;
		return current;
	}

	async run(): Promise<RunSummary> {
		const { spec } = this;
		if (spec.connectEarly) for (const host of this.hosts.slice(0, this.context.jobs ?? this.context.config.jobs)) connectEarly(host, this.context.openTransport, this.emit);
		let failure: unknown;
		try {
			const named = await spec.name();
			this.release = named.release;
			this.rev = named.rev;
			this.emit(startEvent(this));
			await spec.work(this);
		} catch (error) {
			failure = error;
		}
		if (!this.fold.record.runId) this.emit(startEvent(this));
		for (const host of this.hosts) {
			if (!host.ended) void this.fail(host, failure ?? new Error('the run ended without an outcome for this host'), 'cancelled before this host was reached');
		}
		while (this.endings.size > 0) {
			const pending = [...this.endings];
			this.endings.clear();
			await Promise.all(pending);
		}
		for (const host of this.hosts) skipUnreported(this.emit, host, this.phases);
		const summary = summarize(this.fold.record, this.cancelled);
		this.emit({ type: 'run-finished', runId: this.runId, summary, at: new Date().toISOString(), cancelled: this.cancelled });
		return summary;
	}
}

const startEvent = (run: FleetRun): EngineEvent => ({
	type: 'run-started',
	runId: run.runId,
	kind: run.spec.kind,
	release: run.release || run.spec.kind,
	hosts: run.hosts.map((host) => host.host.name),
	phases: [...run.phases],
	at: new Date().toISOString(),
	...(run.spec.retryOf ? { retryOf: run.spec.retryOf } : {}),
});

/** Runs one engine entry point from start to summary. */
export function runFleet(context: RunContext, spec: FleetSpec): Promise<RunSummary> {
	return new FleetRun(context, spec).run();
}

const describeCurrent = (id: number | null): string => (id === null ? 'no generation' : `generation ${id}`);

/**
 * What the run believed against what the host says: when `current` is not where this run put it
 * (or left it), the host's word stands and the outcome says so; never "ok" for a host that is
 * somewhere else.
 */
function reconcile(host: HostRun, outcome: HostOutcome, reason: string | undefined, current: number | null | undefined): { outcome: HostOutcome; reason?: string } {
	if (current === undefined || host.expected === undefined || current === host.expected) return { outcome, reason };
	const said = `the host's current is ${describeCurrent(current)}, not ${describeCurrent(host.expected)}`;
	return { outcome: 'manual', reason: `${reason ? `${reason}; ` : ''}${said} — manual intervention required` };
}
