import pLimit from 'p-limit';
import type { EmitEvent, EngineEvent, HostOutcome, Phase, RunKind, RunSummary } from './events.js';
import { cleanOutput } from './clean-output.js';
import { ended, expectedCurrent, knownState, readBack } from './lifecycle/host-lifecycle.js';
import { HostRun, reasonOf } from './lifecycle/host-run.js';
import { send, type Trip } from './lifecycle/trip.js';
import { RunFold, summarize } from './outcome/run-record.js';
import { releaseLock } from './remote/lock.js';
import { generationsEvent, listingScript, readListing } from './host-listing.js';
import { script } from './remote/quote.js';
import { newRunId, operatorName } from './release.js';
import type { OpenTransport, RunContext } from './requests.js';

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
	/** Phases each host reported, whoever emitted them, so the rest can be marked skipped. */
	private readonly reported = new Map<string, Set<Phase>>();

	constructor(
		readonly context: RunContext,
		readonly spec: FleetSpec,
	) {
		this.runId = context.runId ?? newRunId();
		this.operator = context.operator ?? operatorName();
		this.hosts = context.hosts.map((host) => new HostRun(host));
		this.signal = context.signal;
		const folded: EmitEvent = (event) => {
			this.fold.apply(event);
			context.emit(event);
		};
		const clean = cleanOutput(context.hosts, folded);
		this.emit = (event) => {
			if (event.type === 'phase' && event.host !== null && !event.revert) this.phasesOf(event.host).add(event.phase);
			clean(event);
		};
		this.limit = pLimit(context.jobs ?? context.config.jobs);
	}

	get phases(): readonly Phase[] {
		return this.spec.phases;
	}

	get openTransport(): OpenTransport {
		return this.context.openTransport;
	}

	/** A second cancel: stops even the switches under way. */
	get force(): AbortSignal | undefined {
		return this.context.force;
	}

	get breakLock(): boolean {
		return this.context.breakLock === true;
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
	 * The host is done: its closing round trip (`closing`, the lock released, its generations read
	 * back), its connection closed, then `host-done` with the outcome reconciled with what the host
	 * says. Once per host; later calls are ignored.
	 */
	end(host: HostRun, outcome: HostOutcome, reason?: string, closing?: string): Promise<void> {
		if (host.ended) return Promise.resolve();
		host.state = ended(host.state, closing);
		const ending = this.close(host, closing).then((current) => {
			const told = reconcile(expectedCurrent(host.state), outcome, reason, current);
			this.emit({ type: 'host-done', host: host.host.name, outcome: told.outcome, ...(told.reason ? { reason: told.reason } : {}), ...(current === undefined ? {} : { current }) });
		});
		this.endings.add(ending);
		return ending;
	}

	private async close(host: HostRun, closing: string | undefined): Promise<number | null | undefined> {
		let current = readBack(host.state);
		// Released whenever a lock script went out: its answer may have been lost to a cancel, and the release only removes this run's own lock.
		const release = host.lock !== 'free';
		const session = host.session;
		if (session && (release || closing !== undefined || (current === undefined && expectedCurrent(host.state) !== undefined))) {
			// Never cancelled: the lock must go whatever else happened; the command deadline bounds it.
			const read = await send(session, this.closingTrip(host, closing, release)).catch(() => undefined);
			if (read) current = read.current ?? current;
		}
		await host.close();
		if (current === undefined && host.lock !== 'held') current = knownState(host.state)?.current;
		// A preflight that failed after reading the host (no way in, a root out of reach) still heard where `current` is.
		if (current === undefined && host.lock !== 'held') current = this.fold.record.records[host.host.name]?.current;
		return current;
	}

	/** A host's last round trip: what is queued for it, its lock released, its generations (and `current`) read back. */
	private closingTrip(host: HostRun, closing: string | undefined, release: boolean): Trip<{ readonly current: number | null | undefined } | undefined> {
		return {
			script: script(closing, release && releaseLock(host.host.root, this.runId), listingScript(host)),
			read: (result) => {
				if (result.code !== 0) return undefined;
				host.lock = 'free';
				// The host's generations as it lists them at the end: what the next run may start from.
				const listed = readListing(host, result);
				if (listed.digest !== undefined) this.emit(generationsEvent(host.host.name, listed));
				return { current: host.strategy.parseCurrent(result.markers) };
			},
		};
	}

	async run(): Promise<RunSummary> {
		const { spec } = this;
		if (spec.connectEarly) for (const host of this.hosts.slice(0, this.context.jobs ?? this.context.config.jobs)) host.connectEarly(this.context.openTransport, this.emit);
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
		for (const host of this.hosts) this.skipUnreported(host);
		const summary = summarize(this.fold.record, this.cancelled);
		this.emit({ type: 'run-finished', runId: this.runId, summary, at: new Date().toISOString(), cancelled: this.cancelled });
		return summary;
	}

	private phasesOf(host: string): Set<Phase> {
		let phases = this.reported.get(host);
		if (!phases) this.reported.set(host, (phases = new Set()));
		return phases;
	}

	/** Phases a host never got to are reported as skipped, so every tile ends with a mark per phase. */
	private skipUnreported(host: HostRun): void {
		const reported = this.phasesOf(host.host.name);
		for (const phase of this.phases) {
			if (phase === 'build' && !reported.has('build')) continue;
			if (!reported.has(phase)) this.emit({ type: 'phase', host: host.host.name, phase, status: 'skipped' });
		}
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
function reconcile(expected: number | null | undefined, outcome: HostOutcome, reason: string | undefined, current: number | null | undefined): { outcome: HostOutcome; reason?: string } {
	if (current === undefined || expected === undefined || current === expected) return { outcome, reason };
	const said = `the host's current is ${describeCurrent(current)}, not ${describeCurrent(expected)}`;
	return { outcome: 'manual', reason: `${reason ? `${reason}; ` : ''}${said} — manual intervention required` };
}
