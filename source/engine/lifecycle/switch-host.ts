import type { Skips } from '../activation.js';
import type { EmitEvent, SwitchReason } from '../events.js';
import { checkHealth, hasHealthChecks } from '../health.js';
import { readListing } from '../host-listing.js';
import type { HostSession, RunOptions, ScriptResult } from '../host-session.js';
import { readListingDigest, readStale, throughFirstListing, unchangedMarker } from '../remote/listing-digest.js';
import type { OpenTransport } from '../requests.js';
import { remember, reportLock } from './lock-host.js';
import { deadManFor, type CurrentPart, type DeadMan, type Decided } from './dead-man.js';
import { expectState, switched } from './host-lifecycle.js';
import type { HostRun, PhaseTimer } from './host-run.js';
import { swapTrip, type SwapRead } from './swap.js';
import type { RevertFailedAt, SwitchEnd } from './switch-end.js';
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
	| { readonly kind: 'confirming'; readonly moved: Moved; readonly deadMan: DeadMan; readonly login: Promise<HostSession> }
	/** It failed after moving, under a dead-man: the engine claims the decision before going back itself. */
	| { readonly kind: 'disarming'; readonly moved: Moved; readonly deadMan: DeadMan; readonly failure: string; readonly failedBy: FailedBy }
	/** It failed after moving: the engine goes back to where it was. */
	| { readonly kind: 'reverting'; readonly moved: Moved; readonly failure: string; readonly failedBy: FailedBy }
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

/** One switch as it runs: the run, the host and its session, the plan, and its dead-man (when the host has one for it). */
interface Switching {
	readonly run: SwitchContext;
	readonly host: HostRun;
	readonly session: HostSession;
	readonly plan: SwitchPlan;
	readonly deadMan?: DeadMan;
	/** The strategy's read of `current`, for every round trip that ends the switch. */
	readonly current: CurrentPart;
	readonly name: string;
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
	return plan.validate ? { kind: 'validating', moved } : healthy(moved, deadMan);
}

/** Nothing failed: confirmed over the new login when a dead-man guards it, else live now. */
const healthy = (moved: Moved, deadMan: DeadMan | undefined): SwitchState =>
	deadMan && moved.login
		? { kind: 'confirming', moved, deadMan, login: moved.login }
		: ended({ kind: 'live', from: moved.from, ...(moved.current === undefined ? {} : { current: moved.current }), ...(moved.finished ? { finished: moved.finished } : {}) });

const failedAfterMove = (moved: Moved, failure: string, failedBy: FailedBy, deadMan: DeadMan | undefined): SwitchState =>
	deadMan ? { kind: 'disarming', moved, deadMan, failure, failedBy } : { kind: 'reverting', moved, failure, failedBy };

/** The decision was not the engine's: what the watchdog did (or that a later run took it over), as the host says, ends the switch. */
function decided(verdict: Decided, moved: Moved, token: string): SwitchState {
	if (verdict.kind === 'taken-over') return ended({ kind: 'taken-over', from: moved.from, cause: verdict.cause, by: verdict.by });
	const { cause, decidedFirst, revert } = verdict;
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
	const config = host.host;
	const current: CurrentPart = { script: host.strategy.readCurrent(config), read: (markers) => host.strategy.parseCurrent(markers) };
	const deadMan = deadManFor({ host: config, session, runId: run.runId, to: plan.to, from: plan.current, validate: plan.validate, current, login: () => newLogin(run, host, session) });
	const sw: Switching = { run, host, session, plan, current, name: config.name, ...(deadMan ? { deadMan } : {}) };
	let state: SwitchState = { kind: 'waiting' };
	for (;;) {
		switch (state.kind) {
			case 'waiting':
				state = await swap(sw);
				break;
			case 'validating':
				state = await validate(sw, state.moved);
				break;
			case 'confirming':
				state = await confirm(sw, state.moved, state.deadMan, state.login);
				break;
			case 'disarming':
				state = await disarm(sw, state.moved, state.deadMan, state.failure, state.failedBy);
				break;
			case 'reverting':
				state = await revert(sw, state.moved, state.failure, state.failedBy);
				break;
			case 'stale':
				return 'stale';
			case 'ended': {
				const before = host.state.kind === 'staged' ? host.state : expectState(host.state, 'inspected', config.name);
				host.state = switched(before, plan.to, state.end);
				return state.end;
			}
			default:
				return unreachable(state);
		}
	}
}

/** waiting → the swap's round trip → validating | confirming | disarming | reverting | ended (| stale). */
async function swap(sw: Switching): Promise<SwitchState> {
	const { run, plan, session, deadMan } = sw;
	let started = Date.now();
	let tripsBefore = session.trips;
	// With a guard the switch phase begins once the guard let the script on, within the same round trip.
	const begin = () => {
		run.emit({ type: 'phase', host: sw.name, phase: 'switch', status: 'running' });
		started = Date.now();
		tripsBefore = session.trips;
	};
	if (!plan.guard) begin();
	// Nothing after the swap can change the outcome: finish in the same round trip.
	const settled = !deadMan && (!plan.validate || !hasHealthChecks(sw.host.host.health));
	const opening = plan.guard && guardedOpening(sw, plan.guard.preflight, begin);
	const trip = swapTrip({
		to: plan.to,
		switchScript: switchScript(sw, plan.to, plan.reason),
		guard: plan.guard?.script,
		arm: deadMan && plan.current !== null ? deadMan.arm(switchScript(sw, plan.current, 'watchdog-revert')) : undefined,
		activated: deadMan?.activated,
		finish: settled ? plan.finish?.() : undefined,
		current: sw.current,
		options: { ...switchOptions(sw), ...(opening ? { onMarker: opening.onMarker } : {}) },
		stopped: () => run.force?.aborted === true,
	});
	const result = await session.run(trip.script, trip.options);
	if (opening && opening.verdict(result) === 'stale') return { kind: 'stale' };
	const read = trip.read(result);
	const activatedAt = Date.now();
	const timing = () => ({ ms: Date.now() - started, trips: session.trips - tripsBefore });
	if (!read.swapped) {
		if (deadMan) await deadMan.abandon();
		run.emit({ type: 'phase', host: sw.name, phase: 'switch', status: 'failed', reason: read.failure, ...timing() });
		return afterSwap(read, plan, activatedAt, deadMan, undefined);
	}
	run.emit({ type: 'switched', host: sw.name, from: read.from, to: plan.to, reason: plan.reason });
	run.emit({ type: 'phase', host: sw.name, phase: 'switch', status: read.failure ? 'failed' : 'ok', reason: read.failure, ...timing() });
	// The confirming login starts now, while validation runs: it is made after the switch, which is
	// all it must prove, and its handshake no longer adds to the host's time.
	const login = deadMan && !read.failure ? deadMan.startLogin() : undefined;
	return afterSwap(read, plan, activatedAt, deadMan, login);
}

/** validating → the health checks → confirming | ended (live) | disarming | reverting. */
async function validate(sw: Switching, moved: Moved): Promise<SwitchState> {
	const failure = await validation(sw, sw.plan.to, false);
	if (!failure) return healthy(moved, sw.deadMan);
	void moved.login?.then((fresh) => fresh.transport.close()).catch(() => undefined);
	return failedAfterMove(moved, failure, 'validation', sw.deadMan);
}

/** confirming → the dead-man's confirmation over the new login → ended (live, or as the watchdog left it). */
async function confirm(sw: Switching, moved: Moved, deadMan: DeadMan, login: Promise<HostSession>): Promise<SwitchState> {
	// The run's finish rides along only where the switch left from where the run read the host.
	const finish = moved.from === sw.plan.current ? sw.plan.finish?.() : undefined;
	const verdict = await deadMan.confirm(login, finish, moved.activatedAt);
	if (verdict.kind !== 'confirmed') return watchdogDecided(sw, verdict, moved, deadMan);
	return ended({ kind: 'live', from: moved.from, ...(verdict.current === undefined ? {} : { current: verdict.current }), ...(verdict.finished ? { finished: verdict.finished } : {}) });
}

/** disarming → the engine claims the decision → reverting, or ended as the watchdog left it. */
async function disarm(sw: Switching, moved: Moved, deadMan: DeadMan, failure: string, failedBy: FailedBy): Promise<SwitchState> {
	const verdict = await deadMan.disarm(failure, moved.activatedAt);
	if (verdict.kind === 'disarmed') return { kind: 'reverting', moved, failure, failedBy };
	return watchdogDecided(sw, verdict, moved, deadMan);
}

function watchdogDecided(sw: Switching, verdict: Decided, moved: Moved, deadMan: DeadMan): SwitchState {
	if (verdict.kind === 'watchdog' && verdict.revert.kind === 'reverted') sw.run.emit({ type: 'switched', host: sw.name, from: sw.plan.to, to: verdict.revert.current, reason: 'watchdog-revert' });
	return decided(verdict, moved, deadMan.token);
}

/** reverting → back to where it was, validated → ended (reverted | revert failed | no way back). */
async function revert(sw: Switching, moved: Moved, failure: string, failedBy: FailedBy): Promise<SwitchState> {
	const { from } = moved;
	if (from === null) return ended({ kind: 'no-way-back', from, failure });
	sw.session.info(`rolling back to generation ${from}: ${failure}`);
	const back = await send(
		sw.session,
		swapTrip({ to: from, switchScript: switchScript(sw, from, 'auto-rollback', failedBy), current: sw.current, options: switchOptions(sw), stopped: () => sw.run.force?.aborted === true }),
	);
	if (back.swapped) sw.run.emit({ type: 'switched', host: sw.name, from: sw.plan.to, to: from, reason: 'auto-rollback' });
	const failedAt: RevertFailedAt = !back.swapped ? 'swap' : back.failure ? 'activation' : 'health';
	const backFailure = back.swapped ? (back.failure ?? (sw.plan.validate ? await validation(sw, from, true) : undefined)) : back.failure;
	return ended(backFailure ? { kind: 'revert-failed', from, failure, revertFailure: backFailure, failedAt } : { kind: 'reverted', from, failure });
}

/**
 * A guard's preflight, read the moment the guard let the script on (the switch's output follows:
 * the preflight must end before it), else from the whole result: the host is then inspected as
 * it listed under this run's lock, or the preflight failed (lock held, missing tools).
 */
function guardedOpening(sw: Switching, preflight: PhaseTimer, begin: () => void) {
	let verdict: 'go' | 'stale' | { readonly error: unknown } | undefined;
	const decide = (result: Pick<ScriptResult, 'markers' | 'blocks' | 'code' | 'failure' | 'stderr' | 'stdout' | 'signal'>) => {
		try {
			const opening = throughFirstListing(result.markers);
			// Past its listing, the script's exit status is the switch's, not the preflight's.
			const listedAll = readListingDigest(opening) !== undefined;
			reportLock(sw.host, sw.session, listedAll ? { ...result, code: 0 } : result);
			remember(sw.run, sw.host, sw.session, readListing(sw.host, { markers: opening, blocks: result.blocks }));
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

/** Runs the host's health checks against generation `id` (`revert`: on the way back), marked as the validate phase. */
async function validation(sw: Switching, id: number, revert: boolean): Promise<string | undefined> {
	const { run, session, host } = sw;
	const started = Date.now();
	const tripsBefore = session.trips;
	const flag = revert ? { revert: true } : {};
	run.emit({ type: 'phase', host: sw.name, phase: 'validate', status: 'running', ...flag });
	const release = sw.plan.releaseOf(id);
	const health = await checkHealth({ session, release, values: host.strategy.templateValues(host.host, { release }) }, run.force);
	run.emit({ type: 'phase', host: sw.name, phase: 'validate', status: health.ok ? 'ok' : 'failed', reason: health.reason, ms: Date.now() - started, trips: session.trips - tripsBefore, ...flag });
	return health.ok ? undefined : (health.reason ?? 'health check failed');
}

/** The swap and everything that makes generation `to` live, as one script (also the watchdog's revert). */
function switchScript(sw: Switching, to: number, reason: SwitchReason, failedBy?: FailedBy): string {
	const { host, plan, run } = sw;
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

/** A switch runs to its end on the host even if the connection dies; only a second cancel stops it. */
const switchOptions = (sw: Switching): RunOptions => ({ signal: sw.run.force, timeoutMs: sw.host.host.timeouts.switchMs, ifDisconnected: 'finish' });

/** A second connection to the host (a new login), connecting from now on; settles with the session or the reason it failed. */
function newLogin(run: SwitchContext, host: HostRun, session: HostSession): Promise<HostSession> {
	const fresh = session.over(run.openTransport(host.host));
	return fresh.transport.connect().then(
		() => fresh,
		async (error: unknown) => {
			await fresh.transport.close().catch(() => undefined);
			throw error;
		},
	);
}
