import type { Skips } from '../activation.js';
import type { EmitEvent, SwitchReason } from '../events.js';
import { checkHealth, hasHealthChecks } from '../health.js';
import { readListing } from '../host-listing.js';
import type { HostSession, ScriptResult } from '../host-session.js';
import { readListingDigest, readStale, throughFirstListing, unchangedMarker } from '../remote/listing-digest.js';
import type { OpenTransport } from '../requests.js';
import { remember, reportLock } from './lock-host.js';
import { deadManFor, type CurrentPart, type DeadMan, type Revert } from './dead-man.js';
import { expectState, switched } from './host-lifecycle.js';
import type { HostRun, PhaseTimer } from './host-run.js';
import { swapTrip, type SwapRead } from './swap.js';
import { causeText, type SwitchEnd, type WatchdogCause } from './switch-end.js';
import { send } from './trip.js';

/** What a switch needs of the run it is in. */
export interface SwitchContext {
	readonly emit: EmitEvent;
	readonly operator: string;
	readonly runId: string;
	/** Opens the new logins that confirm the dead-man. */
	readonly openTransport: OpenTransport;
	/**
	 * A second Ctrl-C: stops even a switch under way (its host is then reported as it is, read back).
	 * The first cancel never reaches a switch that has begun.
	 */
	readonly force?: AbortSignal;
}

/** What one host's switch is to do. */
export interface SwitchPlan {
	readonly to: number;
	readonly reason: 'deploy' | 'rollback';
	/** Where `current` is as the host listed it before the switch: the way back. */
	readonly current: number | null;
	readonly validate: boolean;
	readonly skips: Skips;
	/** The release recorded in generation `id`, for switches.log and the health checks. */
	releaseOf(id: number): string;
	/** Nix: the store path of generation `to` when it is new. */
	readonly path?: string;
	/**
	 * What to run on the host once the switch is known to be good (deploy: prune, release the
	 * lock, read back). When nothing after the swap can change the outcome (no validation that
	 * could fail, no dead-man), or with the dead-man's confirmation, it rides along in that round
	 * trip instead of costing one more.
	 */
	finish?(): string;
	/**
	 * A rollback's preflight in front of the swap, in the same round trip: its lock and a listing
	 * guarded by the digest the target was picked from. The script stops at the guard, before
	 * anything is armed or swapped, when the host lists otherwise (the switch is then `stale`).
	 */
	readonly guard?: { readonly script: string; readonly preflight: PhaseTimer };
}

/** Where one switch is. Each state carries only what is true in it. */
type SwitchState =
	/** Nothing has moved; the swap's round trip is next. */
	| { readonly kind: 'waiting' }
	/** The guard stopped the round trip: the host changed since it was listed, nothing was armed or swapped. */
	| { readonly kind: 'stale' }
	/** `current` moved and activation went through; the health checks run (a confirming login is made meanwhile). */
	| { readonly kind: 'validating'; readonly moved: Moved }
	/** Healthy under a dead-man: it is confirmed over the new login. */
	| { readonly kind: 'confirming'; readonly moved: Moved; readonly login: Promise<HostSession> }
	/** It failed after moving, under a dead-man: the engine claims the decision before going back itself. */
	| { readonly kind: 'disarming'; readonly moved: Moved; readonly failure: string; readonly failedBy: FailedBy }
	/** It failed after moving: the engine goes back to where it was. */
	| { readonly kind: 'reverting'; readonly moved: Moved; readonly failure: string; readonly failedBy: FailedBy }
	/** The watchdog decided first and is reverting: its revert is read. */
	| { readonly kind: 'watchdog-reverting'; readonly moved: Moved; readonly cause: WatchdogCause; awaitRevert(): Promise<Revert> }
	/** Nobody could decide: the watchdog does, once its window has passed. */
	| { readonly kind: 'awaiting-watchdog'; readonly moved: Moved; readonly cause: WatchdogCause }
	| { readonly kind: 'ended'; readonly end: SwitchEnd };

type FailedBy = 'activation' | 'validation';

/** What the swap left: where `current` was, when it moved, what its round trip read, and the confirming login. */
interface Moved {
	readonly from: number | null;
	readonly activatedAt: number;
	readonly current?: number | null;
	readonly finished?: readonly string[];
	readonly login?: Promise<HostSession>;
}

const unreachable = (state: never): never => {
	throw new Error(`unknown switch state ${JSON.stringify(state)}`);
};

const ended = (end: SwitchEnd): SwitchState => ({ kind: 'ended', end });

// ─── Transitions: the next state from the last and what its step read ──────────────────────

function afterSwap(read: SwapRead, plan: SwitchPlan, activatedAt: number, deadMan: DeadMan | undefined, login: Promise<HostSession> | undefined): SwitchState {
	if (!read.swapped) return ended({ kind: 'not-swapped', from: plan.current, failure: read.failure });
	const moved: Moved = { from: read.from, activatedAt, ...(read.current === undefined ? {} : { current: read.current }), ...(read.finished ? { finished: read.finished } : {}), ...(login ? { login } : {}) };
	if (read.failure) return failedAfterMove(moved, read.failure, 'activation', deadMan);
	return plan.validate ? { kind: 'validating', moved } : healthy(moved);
}

/** Nothing failed: confirmed over the new login when a dead-man guards it, else live now. */
const healthy = (moved: Moved): SwitchState =>
	moved.login ? { kind: 'confirming', moved, login: moved.login } : ended({ kind: 'live', from: moved.from, ...(moved.current === undefined ? {} : { current: moved.current }), ...(moved.finished ? { finished: moved.finished } : {}) });

const failedAfterMove = (moved: Moved, failure: string, failedBy: FailedBy, deadMan: DeadMan | undefined): SwitchState =>
	deadMan ? { kind: 'disarming', moved, failure, failedBy } : { kind: 'reverting', moved, failure, failedBy };

/** What the watchdog did, as the host says, ends the switch. */
function afterWatchdog(revert: Revert, moved: Moved, cause: WatchdogCause, decidedFirst: boolean, token: string): SwitchState {
	if (revert.kind === 'reverted') return ended({ kind: 'watchdog-reverted', from: revert.current, cause, decidedFirst, exit: revert.exit });
	return ended({ kind: 'unconfirmed', from: moved.from, cause, decidedFirst, token, ...(revert.current === undefined ? {} : { current: revert.current }) });
}

// ─── The driver: each state's step, and the events that mark it ───────────────────────────

/**
 * Switch → validate → confirm the dead-man, and on failure straight back to where the host was
 * (validated too). Never cancelled half-way by a first cancel: once a swap has begun it finishes
 * on this host. The end is what the host says, never what was meant; the host is then
 * `switched` (or, when a guard found it changed, `inspected` as it lists now and `stale` is
 * returned: nothing was armed or swapped).
 */
export async function switchHost(run: SwitchContext, host: HostRun, session: HostSession, plan: SwitchPlan): Promise<SwitchEnd | 'stale'> {
	const step = new SwitchSteps(run, host, session, plan);
	let state: SwitchState = { kind: 'waiting' };
	for (;;) {
		switch (state.kind) {
			case 'waiting':
				state = await step.swap();
				break;
			case 'validating':
				state = await step.validate(state.moved);
				break;
			case 'confirming':
				state = await step.confirm(state.moved, state.login);
				break;
			case 'disarming':
				state = await step.disarm(state.moved, state.failure, state.failedBy);
				break;
			case 'reverting':
				state = await step.revert(state.moved, state.failure, state.failedBy);
				break;
			case 'watchdog-reverting':
				state = await step.readWatchdog(state.moved, state.cause, state.awaitRevert);
				break;
			case 'awaiting-watchdog':
				state = await step.awaitWatchdog(state.moved, state.cause);
				break;
			case 'stale':
				return 'stale';
			case 'ended': {
				const before = host.state.kind === 'staged' ? host.state : expectState(host.state, 'inspected', host.host.name);
				host.state = switched(before, plan.to, state.end);
				return state.end;
			}
			default:
				return unreachable(state);
		}
	}
}

/** The steps of one switch: each runs its round trip (or health checks, or a wait), emits what marks it, and hands the result to a transition. */
class SwitchSteps {
	private readonly deadMan: DeadMan | undefined;
	private readonly current: CurrentPart;
	private readonly name: string;

	constructor(
		private readonly run: SwitchContext,
		private readonly host: HostRun,
		private readonly session: HostSession,
		private readonly plan: SwitchPlan,
	) {
		const config = host.host;
		this.name = config.name;
		this.current = { script: host.strategy.readCurrent(config), read: (markers) => host.strategy.parseCurrent(markers) };
		this.deadMan = deadManFor({ host: config, runId: run.runId, to: plan.to, from: plan.current, validate: plan.validate, current: this.current, login: () => this.newLogin() });
	}

	/** waiting → the swap's round trip → validating | confirming | disarming | reverting | ended (| stale). */
	async swap(): Promise<SwitchState> {
		const { run, plan, session, deadMan } = this;
		let started = Date.now();
		let tripsBefore = session.trips;
		// With a guard the switch phase begins once the guard let the script on, within the same round trip.
		const begin = () => {
			run.emit({ type: 'phase', host: this.name, phase: 'switch', status: 'running' });
			started = Date.now();
			tripsBefore = session.trips;
		};
		if (!plan.guard) begin();
		// Nothing after the swap can change the outcome: finish in the same round trip.
		const settled = !deadMan && (!plan.validate || !hasHealthChecks(this.host.host.health));
		const finish = settled ? plan.finish?.() : undefined;
		const opening = plan.guard && this.opening(plan.guard.preflight, begin);
		const trip = swapTrip({
			to: plan.to,
			switchScript: this.switchScript(plan.to, plan.reason),
			guard: plan.guard?.script,
			arm: deadMan && plan.current !== null ? deadMan.arm(this.switchScript(plan.current, 'watchdog-revert')) : undefined,
			activated: deadMan?.activated,
			finish,
			current: this.current,
			options: { signal: run.force, timeoutMs: this.host.host.timeouts.switchMs, ifDisconnected: 'finish', ...(opening ? { onMarker: opening.onMarker } : {}) },
			stopped: () => run.force?.aborted === true,
		});
		const result = await session.run(trip.script, trip.options);
		if (opening && opening.verdict(result) === 'stale') return { kind: 'stale' };
		const read = trip.read(result);
		const activatedAt = Date.now();
		const timing = () => ({ ms: Date.now() - started, trips: session.trips - tripsBefore });
		if (!read.swapped) {
			if (deadMan) await deadMan.abandon(session);
			run.emit({ type: 'phase', host: this.name, phase: 'switch', status: 'failed', reason: read.failure, ...timing() });
			return afterSwap(read, plan, activatedAt, deadMan, undefined);
		}
		run.emit({ type: 'switched', host: this.name, from: read.from, to: plan.to, reason: plan.reason });
		run.emit({ type: 'phase', host: this.name, phase: 'switch', status: read.failure ? 'failed' : 'ok', reason: read.failure, ...timing() });
		// The confirming login starts now, while validation runs: it is made after the switch, which is
		// all it must prove, and its handshake no longer adds to the host's time.
		const login = deadMan && !read.failure ? deadMan.startLogin() : undefined;
		return afterSwap(read, plan, activatedAt, deadMan, login);
	}

	/** validating → the health checks → confirming | ended (live) | disarming | reverting. */
	async validate(moved: Moved): Promise<SwitchState> {
		const failure = await this.validation(this.plan.to, false);
		if (!failure) return healthy(moved);
		void moved.login?.then((fresh) => fresh.transport.close()).catch(() => undefined);
		return failedAfterMove(moved, failure, 'validation', this.deadMan);
	}

	/** confirming → the dead-man's confirmation over the new login → ended (live | taken over) | watchdog-reverting | awaiting-watchdog. */
	async confirm(moved: Moved, login: Promise<HostSession>): Promise<SwitchState> {
		const deadMan = this.mustHaveDeadMan();
		// The run's finish rides along only where the switch left from where the run read the host.
		const finish = moved.from === this.plan.current ? this.plan.finish?.() : undefined;
		const verdict = await deadMan.confirm(login, finish);
		const late: WatchdogCause = { kind: 'late' };
		switch (verdict.kind) {
			case 'confirmed':
				this.session.info('watchdog confirmed over a new connection');
				return ended({ kind: 'live', from: moved.from, ...(verdict.current === undefined ? {} : { current: verdict.current }), ...(verdict.finished ? { finished: verdict.finished } : {}) });
			case 'too-late':
				return { kind: 'watchdog-reverting', moved, cause: late, awaitRevert: verdict.awaitRevert };
			case 'taken-over':
				return ended({ kind: 'taken-over', from: moved.from, cause: late, by: verdict.by });
			case 'unreachable':
				return { kind: 'awaiting-watchdog', moved, cause: { kind: 'no-login', why: verdict.why } };
			default:
				return unreachable(verdict);
		}
	}

	/** disarming → the engine claims the decision → reverting | watchdog-reverting | awaiting-watchdog | ended (taken over). */
	async disarm(moved: Moved, failure: string, failedBy: FailedBy): Promise<SwitchState> {
		const verdict = await this.mustHaveDeadMan().disarm(this.session);
		const cause: WatchdogCause = { kind: 'failed', failure };
		switch (verdict.kind) {
			case 'disarmed':
				return { kind: 'reverting', moved, failure, failedBy };
			case 'too-late':
				return { kind: 'watchdog-reverting', moved, cause, awaitRevert: verdict.awaitRevert };
			case 'taken-over':
				return ended({ kind: 'taken-over', from: moved.from, cause, by: verdict.by });
			// Unreachable now: the watchdog is the only one who can still put the host back.
			case 'unreachable':
				return { kind: 'awaiting-watchdog', moved, cause };
			default:
				return unreachable(verdict);
		}
	}

	/** reverting → back to where it was, validated → ended (reverted | revert failed | no way back). */
	async revert(moved: Moved, failure: string, failedBy: FailedBy): Promise<SwitchState> {
		const { from } = moved;
		if (from === null) return ended({ kind: 'no-way-back', from, failure });
		this.session.info(`rolling back to generation ${from}: ${failure}`);
		const trip = swapTrip({
			to: from,
			switchScript: this.switchScript(from, 'auto-rollback', failedBy),
			current: this.current,
			options: { signal: this.run.force, timeoutMs: this.host.host.timeouts.switchMs, ifDisconnected: 'finish' },
			stopped: () => this.run.force?.aborted === true,
		});
		const back = await send(this.session, trip);
		if (back.swapped) this.run.emit({ type: 'switched', host: this.name, from: this.plan.to, to: from, reason: 'auto-rollback' });
		const backFailure = back.swapped ? (back.failure ?? (this.plan.validate ? await this.validation(from, true) : undefined)) : back.failure;
		return ended(backFailure ? { kind: 'revert-failed', from, failure, revertFailure: backFailure } : { kind: 'reverted', from, failure });
	}

	/** watchdog-reverting → its revert, read over the connection that heard it decided → ended. */
	async readWatchdog(moved: Moved, cause: WatchdogCause, awaitRevert: () => Promise<Revert>): Promise<SwitchState> {
		this.session.info(`${causeText(cause, this.plan.to)}: the watchdog decided first and is reverting to generation ${moved.from}`);
		return this.watchdogEnd(await awaitRevert(), moved, cause, true);
	}

	/** awaiting-watchdog → its window waited out, what it did read → ended. */
	async awaitWatchdog(moved: Moved, cause: WatchdogCause): Promise<SwitchState> {
		this.session.info(`${causeText(cause, this.plan.to)}; waiting for the watchdog to revert to generation ${moved.from}`);
		return this.watchdogEnd(await this.mustHaveDeadMan().awaitRevert(this.session, moved.activatedAt), moved, cause, false);
	}

	private watchdogEnd(revert: Revert, moved: Moved, cause: WatchdogCause, decidedFirst: boolean): SwitchState {
		if (revert.kind === 'reverted') this.run.emit({ type: 'switched', host: this.name, from: this.plan.to, to: revert.current, reason: 'watchdog-revert' });
		return afterWatchdog(revert, moved, cause, decidedFirst, this.mustHaveDeadMan().token);
	}

	/**
	 * A guard's preflight, read the moment the guard let the script on (the switch's output follows:
	 * the preflight must end before it), else from the whole result: the host is then inspected as
	 * it listed under this run's lock, or the preflight failed (lock held, missing tools).
	 */
	private opening(preflight: PhaseTimer, begin: () => void) {
		let verdict: 'go' | 'stale' | { readonly error: unknown } | undefined;
		const decide = (result: Pick<ScriptResult, 'markers' | 'blocks' | 'code' | 'failure' | 'stderr' | 'stdout' | 'signal'>) => {
			try {
				const opening = throughFirstListing(result.markers);
				// Past its listing, the script's exit status is the switch's, not the preflight's.
				const listedAll = readListingDigest(opening) !== undefined;
				reportLock(this.host, this.session, listedAll ? { ...result, code: 0 } : result);
				remember(this.run, this.host, this.session, readListing(this.host, { markers: opening, blocks: result.blocks }));
				preflight.ok();
				verdict = readStale(result.markers) ? 'stale' : 'go';
				if (verdict === 'go') begin();
			} catch (error) {
				preflight.failed(error);
				verdict = { error };
			}
		};
		return {
			onMarker: (line: string, soFar: Pick<ScriptResult, 'markers' | 'blocks'>) => {
				if (verdict === undefined && line === unchangedMarker) decide({ ...soFar, code: 0, stdout: '', stderr: '' });
			},
			verdict(result: ScriptResult): 'go' | 'stale' {
				if (verdict === undefined) decide(result);
				if (verdict === undefined || typeof verdict === 'object') throw verdict?.error;
				return verdict;
			},
		};
	}

	private async validation(id: number, revert: boolean): Promise<string | undefined> {
		const { run, session, host } = this;
		const started = Date.now();
		const tripsBefore = session.trips;
		const flag = revert ? { revert: true } : {};
		run.emit({ type: 'phase', host: this.name, phase: 'validate', status: 'running', ...flag });
		const release = this.plan.releaseOf(id);
		const health = await checkHealth({ session, release, values: host.strategy.templateValues(host.host, { release }) }, run.force);
		run.emit({ type: 'phase', host: this.name, phase: 'validate', status: health.ok ? 'ok' : 'failed', reason: health.reason, ms: Date.now() - started, trips: session.trips - tripsBefore, ...flag });
		return health.ok ? undefined : (health.reason ?? 'health check failed');
	}

	/** The swap and everything that makes generation `to` live, as one script (also the watchdog's revert). */
	private switchScript(to: number, reason: SwitchReason, failedBy?: FailedBy): string {
		const { host, plan, run } = this;
		return host.strategy.switchScript({
			host: host.host,
			to,
			reason,
			release: plan.releaseOf(to),
			operator: run.operator,
			skips: plan.skips,
			at: new Date().toISOString(),
			path: to === plan.to ? plan.path : undefined,
			...(failedBy ? { failedBy } : {}),
		});
	}

	/** A second connection to the host (a new login), connecting from now on; settles with the session or the reason it failed. */
	private newLogin(): Promise<HostSession> {
		const fresh = this.session.over(this.run.openTransport(this.host.host));
		return fresh.transport.connect().then(
			() => fresh,
			async (error: unknown) => {
				await fresh.transport.close().catch(() => undefined);
				throw error;
			},
		);
	}

	private mustHaveDeadMan(): DeadMan {
		if (!this.deadMan) throw new Error(`${this.name}: a dead-man step without a dead-man`);
		return this.deadMan;
	}
}
