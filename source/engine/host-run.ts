import type { HostConfig } from '../config/types.js';
import type { Artifact, ArtifactDiff } from './artifact.js';
import type { EmitEvent, FileChange, HostOutcome, Phase, StagedHost } from './events.js';
import { HostFailure, HostSession } from './host-session.js';
import type { HostState } from './host-state.js';
import type { Transport } from '../transport/transport.js';
import type { OpenTransport } from './requests.js';

/** One host's progress through a run; filled in phase by phase. */
export interface HostRun {
	readonly host: HostConfig;
	session?: HostSession;
	/** The connection attempt (at most one per run) and its transport, from the moment it starts. */
	connecting?: Promise<HostSession>;
	transport?: Transport;
	/** This run holds the host's deploy lock. */
	locked: boolean;
	/** A lock script was sent: the lock may be held even if its answer never came (cancelled, connection lost). */
	lockSent: boolean;
	artifact?: Artifact;
	state?: HostState;
	diff?: ArtifactDiff;
	staged?: StagedHost;
	/** The files behind the staged diff (for the confirm dialog's look at the change). */
	changes?: readonly FileChange[];
	/** Nix: the store path of the staged generation. */
	stagedPath?: string;
	/** Where `current` must be if everything this run did is as it believes (null: no generation). */
	expected?: number | null;
	/** Where `current` is, as the host said in this run's last round trip with it. */
	readBack?: number | null;
	/** How its switch went (waves count failures by it before the host has ended). */
	switchOutcome?: HostOutcome;
	/** Script parts to run in the host's closing round trip (e.g. marking a staged generation declined). */
	readonly atClose: string[];
	/** The host has its outcome: no more work, its lock released, its connection closed. */
	ended: boolean;
	readonly reported: Set<Phase>;
}

export const newHostRun = (host: HostConfig): HostRun => ({ host, locked: false, lockSent: false, ended: false, reported: new Set(), atClose: [] });

/** Reports a phase as running, then ok or failed (with the failure's one-line reason and the round trips it took). */
export async function inPhase<T>(emit: EmitEvent, run: HostRun | null, phase: Phase, work: () => Promise<T>): Promise<T> {
	const timer = phaseTimer(emit, run, phase);
	try {
		const result = await work();
		timer.ok();
		return result;
	} catch (error) {
		timer.failed(error);
		throw error;
	}
}

/** `inPhase` for a phase whose end is known inside other work (a rollback's preflight ends within its switch's round trip). */
export function phaseTimer(emit: EmitEvent, run: HostRun | null, phase: Phase): { ok(): void; failed(error: unknown): void } {
	const host = run?.host.name ?? null;
	const started = Date.now();
	const tripsBefore = run?.session?.trips ?? 0;
	const trips = () => (run?.session ? { trips: run.session.trips - tripsBefore } : {});
	emit({ type: 'phase', host, phase, status: 'running' });
	return {
		ok: () => emit({ type: 'phase', host, phase, status: 'ok', ms: Date.now() - started, ...trips() }),
		failed: (error) => emit({ type: 'phase', host, phase, status: 'failed', reason: reasonOf(error), ms: Date.now() - started, ...trips() }),
	};
}

export const reasonOf = (error: unknown): string =>
	error instanceof HostFailure ? error.reason : error instanceof Error ? error.message.split('\n')[0]! : String(error);

/** Opens the host's connection once per run; a second caller waits for the same attempt. */
export function connect(run: HostRun, openTransport: OpenTransport, emit: EmitEvent): Promise<HostSession> {
	run.connecting ??= openSession(run, openTransport, emit);
	return run.connecting;
}

/**
 * Starts connecting now, e.g. while the release is named and the build runs; the host's first
 * phase then finds the connection made (or its one-line failure) instead of waiting for it.
 */
export function connectEarly(run: HostRun, openTransport: OpenTransport, emit: EmitEvent): void {
	connect(run, openTransport, emit).catch(() => undefined);
}

async function openSession(run: HostRun, openTransport: OpenTransport, emit: EmitEvent): Promise<HostSession> {
	const transport = openTransport(run.host);
	run.transport = transport;
	try {
		await transport.connect();
	} catch (error) {
		await transport.close().catch(() => {});
		throw new HostFailure(reasonOf(error));
	}
	run.session = new HostSession(run.host, transport, emit);
	return run.session;
}

/** Records which phases each host reported, whoever emitted them, so the rest can be marked skipped. */
export function trackPhases(runs: readonly HostRun[], emit: EmitEvent): EmitEvent {
	const byName = new Map(runs.map((run) => [run.host.name, run]));
	return (event) => {
		if (event.type === 'phase' && event.host !== null && !event.revert) byName.get(event.host)?.reported.add(event.phase);
		emit(event);
	};
}

/** Phases a host never got to are reported as skipped, so every tile ends with a mark per phase. */
export function skipUnreported(emit: EmitEvent, run: HostRun, planned: readonly Phase[]): void {
	for (const phase of planned) {
		if (phase === 'build' && !run.reported.has('build')) continue;
		if (!run.reported.has(phase)) emit({ type: 'phase', host: run.host.name, phase, status: 'skipped' });
	}
}
