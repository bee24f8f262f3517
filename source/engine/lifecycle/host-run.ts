import type { HostConfig } from '../../config/types.js';
import type { Transport } from '../../transport/transport.js';
import type { EmitEvent, Phase } from '../events.js';
import { HostFailure, HostSession } from '../host-session.js';
import type { OpenTransport } from '../requests.js';
import { strategyFor } from '../strategies/index.js';
import type { Strategy } from '../strategies/strategy.js';
import { pending, type HostLifecycle } from './host-lifecycle.js';

/** This run's deploy lock on the host: `asked` from the moment a lock script is sent until its answer says (it may be held if the answer never came). */
export type LockHold = 'free' | 'asked' | 'held';

/**
 * One host in a run: its config and its strategy (resolved here, once, where the host's
 * lifecycle starts), its connection (at most one per run), this run's lock on it, and where it
 * is (`state`, advanced only by the transitions of `host-lifecycle.ts`).
 */
export class HostRun {
	readonly strategy: Strategy;
	state: HostLifecycle = pending;
	lock: LockHold = 'free';
	private connecting?: Promise<HostSession>;
	private transport?: Transport;
	private opened?: HostSession;

	constructor(readonly host: HostConfig) {
		this.strategy = strategyFor(host);
	}

	get ended(): boolean {
		return this.state.kind === 'ended';
	}

	/** The connection, once made (the closing round trip needs it in any state). */
	get session(): HostSession | undefined {
		return this.opened;
	}

	/** Opens the host's connection once per run; a second caller waits for the same attempt. */
	connect(openTransport: OpenTransport, emit: EmitEvent): Promise<HostSession> {
		this.connecting ??= this.open(openTransport, emit);
		return this.connecting;
	}

	/**
	 * Starts connecting now, e.g. while the release is named and the build runs; the host's first
	 * phase then finds the connection made (or its one-line failure) instead of waiting for it.
	 */
	connectEarly(openTransport: OpenTransport, emit: EmitEvent): void {
		this.connect(openTransport, emit).catch(() => undefined);
	}

	/** Armed on the connection ahead of a script: the host runs `script` itself if this process dies (not waited for: it travels in front). */
	onDisconnect(script: string): void {
		void this.transport?.onDisconnect(script).catch(() => false);
	}

	async close(): Promise<void> {
		await this.transport?.close().catch(() => {});
	}

	private async open(openTransport: OpenTransport, emit: EmitEvent): Promise<HostSession> {
		const transport = openTransport(this.host);
		this.transport = transport;
		try {
			await transport.connect();
		} catch (error) {
			await transport.close().catch(() => {});
			throw new HostFailure(reasonOf(error));
		}
		this.opened = new HostSession(this.host, transport, emit, this.strategy.stepsInOutput);
		return this.opened;
	}
}

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

export interface PhaseTimer {
	ok(): void;
	failed(error: unknown): void;
}

/** `inPhase` for a phase whose end is known inside other work (a rollback's preflight ends within its switch's round trip). */
export function phaseTimer(emit: EmitEvent, run: HostRun | null, phase: Phase): PhaseTimer {
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
	error instanceof HostFailure ? error.reason : error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
