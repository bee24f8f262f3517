import type { HostConfig } from '../config/types.js';
import type { EmitEvent, HostOutcome, SwitchReason } from './events.js';
import { checkHealth } from './health.js';
import { failureReason, HostSession, type ScriptResult } from './host-session.js';
import type { Skips } from './activation.js';
import { strategyFor } from './strategies/index.js';
import { readSwap } from './remote/switch.js';
import { armWatchdog, awaitWatchdogRevert, confirmWatchdog, markActivated, readClaim, readRevert } from './remote/watchdog.js';
import { readFinished, thenIfOk } from './remote/then-if-ok.js';
import { script } from './remote/quote.js';
import { afterFirstListing } from './remote/listing-digest.js';
import type { OpenTransport } from './requests.js';

export interface SwitchRequest {
	readonly session: HostSession;
	readonly emit: EmitEvent;
	readonly operator: string;
	readonly skips: Skips;
	readonly validate: boolean;
	/** Release recorded in each generation, to tell switches.log and health checks what runs. */
	readonly releaseOf: (id: number) => string;
	/** The generation current before this switch (the watchdog's way back). */
	readonly current: number | null;
	/** Opens the fresh connection that confirms the watchdog. */
	readonly openTransport: OpenTransport;
	readonly runId: string;
	/** The generation this run staged (a nix switch to it needs its store path). */
	readonly staged?: { readonly id: number; readonly path?: string };
	/**
	 * A second Ctrl-C: stops even a switch under way (its host is then reported as it is, read back).
	 * The first cancel never reaches a switch that has begun.
	 */
	readonly force?: AbortSignal;
	/**
	 * What to run on the host once this switch is known to be good (deploy: prune, release the
	 * lock, read `current`). When the outcome is settled by the last round trip anyway (no
	 * validation that could fail and no watchdog, or the watchdog's confirmation), it rides along
	 * in that round trip instead of costing one more; `finished` says it ran.
	 */
	readonly finish?: () => string;
}

/**
 * Rides in front of the swap, in its round trip: a rollback's lock and a listing guarded by the
 * digest the target was picked from. `proceed` reads the opening's part of the result (it throws
 * for a failed preflight: lock held, missing tools) and says whether the host listed as expected;
 * when it did not, the guard stopped the script before anything was armed or swapped.
 */
export interface Opening {
	readonly script: string;
	/** Printed once the guard let the script go on: `proceed` is asked then, so the switch's output is the switch's. */
	readonly passedMarker: string;
	proceed(result: Pick<ScriptResult, 'markers' | 'blocks' | 'code' | 'failure' | 'stderr' | 'stdout' | 'signal'>): boolean;
}

export interface SwitchOutcome {
	readonly outcome: HostOutcome;
	readonly reason?: string;
	/** The generation current before the switch. */
	readonly from: number | null;
	/** `finish` ran (successfully) in the switch's own round trip. */
	readonly finished?: boolean;
	/** Where `current` is, when the last round trip read it. */
	readonly current?: number | null;
	/** What `finish` printed, when it ran (a rollback's read-back listing). */
	readonly finishedWith?: readonly string[];
}

/**
 * Switch → validate → confirm the watchdog, and on failure straight back to where the host was
 * (validated too). Never cancelled half-way by a first cancel: once a swap has begun it finishes
 * on this host. The outcome is what the host says, never what was meant.
 */
export async function switchAndValidate(request: SwitchRequest, to: number, reason: 'deploy' | 'rollback'): Promise<SwitchOutcome> {
	const outcome = await switchFrom(request, to, reason);
	if (outcome === 'stale') throw new Error('a switch without an opening has no guard to stop it');
	return outcome;
}

/**
 * `switchAndValidate` with `opening` in front of the swap, in one round trip; `stale` when the
 * opening's guard stopped it (nothing was armed or swapped; the opening's state is the host's).
 */
export const openAndSwitch = (request: SwitchRequest, opening: Opening, to: number, reason: 'rollback'): Promise<SwitchOutcome | 'stale'> => switchFrom(request, to, reason, opening);

async function switchFrom(request: SwitchRequest, to: number, reason: 'deploy' | 'rollback', opening?: Opening): Promise<SwitchOutcome | 'stale'> {
	const { session, emit } = request;
	const host = session.host.name;
	let started = Date.now();
	let tripsBefore = session.trips;
	const token = session.host.watchdog && request.current !== null && request.current !== to ? `${request.runId}-${to}` : undefined;
	// With an opening the switch phase begins once the opening's preflight has ended, within the same round trip.
	if (!opening) emit({ type: 'phase', host, phase: 'switch', status: 'running' });
	// Nothing after the swap can change the outcome: finish in the same round trip.
	const settled = !token && (!request.validate || healthCheckCount(session.host) === 0);
	const opened = () => {
		emit({ type: 'phase', host, phase: 'switch', status: 'running' });
		started = Date.now();
		tripsBefore = session.trips;
	};
	const swap = await switchTo(request, to, reason, { token, finish: settled ? request.finish?.() : undefined, ...(opening ? { opening: { ...opening, opened } } : {}) });
	if (swap.stale) return 'stale';
	const tripsOf = () => ({ ms: Date.now() - started, trips: session.trips - tripsBefore });
	if (!swap.swapped) {
		if (token) await session.run(confirmWatchdog(session.host.root, token, 'engine: the switch did not happen')).catch(() => undefined);
		emit({ type: 'phase', host, phase: 'switch', status: 'failed', reason: swap.reason, ...tripsOf() });
		return { outcome: 'failed', reason: swap.reason, from: request.current };
	}
	const activatedAt = Date.now();
	emit({ type: 'switched', host, from: swap.from, to, reason });
	emit({ type: 'phase', host, phase: 'switch', status: swap.reason ? 'failed' : 'ok', reason: swap.reason, ...tripsOf() });
	// The confirming login starts now, while validation runs: it is made after the switch, which is
	// all it must prove, and its handshake no longer adds to the host's time.
	const login = token && !swap.reason ? newLogin(request) : undefined;

	const failure = swap.reason ?? (request.validate ? await validatePhase(request, to, false) : undefined);
	const failedBy = swap.reason ? 'activation' : 'validation';
	if (!failure) {
		if (!token || !login) return { outcome: 'ok', from: swap.from, finished: swap.finished, current: swap.current, ...(swap.finished ? { finishedWith: swap.markers } : {}) };
		return confirmOverNewConnection(request, login, token, swap.from, to, activatedAt);
	}
	void login?.then((fresh) => fresh.transport.close()).catch(() => undefined);
	if (token) {
		// The engine rolls back itself: the watchdog must not revert a second time later.
		const claim = await session.run(confirmWatchdog(session.host.root, token, 'engine: rolling back')).catch(() => undefined);
		const decision = claim ? readClaim(claim.markers) : undefined;
		if (decision && !decision.confirmed) return watchdogDecided(request, session, token, swap.from, failure, decision.by);
		// Unreachable now: the watchdog is the only one who can still put the host back.
		if (!decision) return awaitWatchdog(request, token, swap.from, activatedAt, failure);
	}
	return revert(request, swap.from, to, failure, failedBy);
}

async function revert(request: SwitchRequest, from: number | null, failedId: number, failure: string, failedBy: string): Promise<SwitchOutcome> {
	const { session, emit } = request;
	const host = session.host.name;
	if (from === null) {
		return { outcome: 'manual', reason: `${failure}; no previous generation to return to — manual intervention required`, from };
	}
	session.info(`rolling back to generation ${from}: ${failure}`);
	const back = await switchTo(request, from, 'auto-rollback', { failedBy });
	if (back.swapped) emit({ type: 'switched', host, from: failedId, to: from, reason: 'auto-rollback' });
	const backFailure = back.swapped ? (back.reason ?? (request.validate ? await validatePhase(request, from, true) : undefined)) : back.reason;
	if (backFailure) {
		// Said as it happened: the way back itself failed, or the host is back on `from` and `from` is unhealthy too.
		const wayBack = !back.swapped ? `rollback to ${from} failed too (${backFailure})` : back.reason ? `switched back to generation ${from}, but activating it failed (${backFailure})` : `switched back to generation ${from}, and generation ${from} fails its health check too (${backFailure})`;
		return { outcome: 'manual', reason: `${failure}; ${wayBack} — manual intervention required`, from };
	}
	return { outcome: 'rolled-back', reason: `${failure}; rolled back to generation ${from}`, from };
}

/** A second connection to the host (a new login), connecting from now on; settles with the session or the reason it failed. */
function newLogin(request: SwitchRequest): Promise<HostSession> {
	const fresh = request.session.over(request.openTransport(request.session.host));
	const connected = fresh.transport.connect().then(
		() => fresh,
		async (error: unknown) => {
			await fresh.transport.close().catch(() => undefined);
			throw error;
		},
	);
	connected.catch(() => undefined);
	return connected;
}

/**
 * A new login claims the decision. When it can't (the switch broke sshd, the network, the login
 * shell…), the watchdog reverts on its own; we wait for it and report what it did. When the
 * watchdog decided first (validation and login took longer than its deadline), that is reported
 * as the failure it is, never as ok.
 */
async function confirmOverNewConnection(request: SwitchRequest, login: Promise<HostSession>, token: string, from: number | null, to: number, activatedAt: number): Promise<SwitchOutcome> {
	const { session } = request;
	const host = session.host;
	let fresh: HostSession | undefined;
	try {
		fresh = await login;
		const finish = from === request.current ? request.finish?.() : undefined;
		const confirm = script(confirmWatchdog(host.root, token), strategyFor(host).readCurrent(host));
		const result = await fresh.run(finish ? thenIfOk(confirmWatchdog(host.root, token), finish) : confirm);
		const decision = readClaim(result.markers);
		if (decision?.confirmed && result.code === 0) {
			session.info('watchdog confirmed over a new connection');
			const finished = finish !== undefined && readFinished(result.markers);
			return { outcome: 'ok', from, finished, current: strategyFor(host).parseCurrent(result.markers), ...(finished ? { finishedWith: result.markers } : {}) };
		}
		if (decision && !decision.confirmed) return await watchdogDecided(request, fresh, token, from, `the confirmation of generation ${to} came too late`, decision.by);
		throw new Error(failureReason(result));
	} catch (error) {
		return awaitWatchdog(request, token, from, activatedAt, `new logins failed after the switch (${(error as Error).message.split('\n')[0]})`);
	} finally {
		await fresh?.transport.close().catch(() => undefined);
	}
}

/** Someone else took the decision: the watchdog (it reverts; wait for it) or a later run (it owns the host now). */
async function watchdogDecided(request: SwitchRequest, over: HostSession, token: string, from: number | null, why: string, by: string): Promise<SwitchOutcome> {
	if (by !== 'watchdog') return { outcome: 'manual', reason: `${why}; the watchdog was taken over (${by}) — check the host`, from };
	over.info(`${why}: the watchdog decided first and is reverting to generation ${from}`);
	const result = await readWatchdogRevert(over, token).catch(() => undefined);
	return watchdogResult(request, result, token, from, `${why} (validation and the confirming login took longer than the watchdog's deadline)`);
}

/** The engine cannot reach the host: waits out the watchdog's deadline, then reads what it did. */
async function awaitWatchdog(request: SwitchRequest, token: string, from: number | null, activatedAt: number, why: string): Promise<SwitchOutcome> {
	const { session } = request;
	const host = session.host;
	session.info(`${why}; waiting for the watchdog to revert to generation ${from}`);
	const deadline = activatedAt + watchdogConfirmSeconds(host, request.validate) * 1000 + 2500;
	await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
	let result = await readWatchdogRevert(session, token).catch(() => undefined);
	if (result?.code !== 0) {
		const fresh = await newLogin(request).catch(() => undefined);
		result = fresh && (await readWatchdogRevert(fresh, token).catch(() => undefined));
		await fresh?.transport.close().catch(() => undefined);
	}
	return watchdogResult(request, result, token, from, why);
}

/** Waits (up to the switch's deadline) for the watchdog's revert to end, then reads `current`. */
function readWatchdogRevert(over: HostSession, token: string): Promise<ScriptResult> {
	const host = over.host;
	return over.run(script(awaitWatchdogRevert(host.root, token, host.timeouts.switchMs / 1000), strategyFor(host).readCurrent(host)), { timeoutMs: host.timeouts.switchMs + 30_000 });
}

function watchdogResult(request: SwitchRequest, result: ScriptResult | undefined, token: string, from: number | null, why: string): SwitchOutcome {
	const host = request.session.host;
	const reverted = result && result.code === 0 ? readRevert(result.markers) : undefined;
	const current = result && result.code === 0 ? strategyFor(host).parseCurrent(result.markers) : undefined;
	if (reverted && from !== null && current === from) {
		request.emit({ type: 'switched', host: host.name, from: request.staged?.id ?? null, to: from, reason: 'watchdog-revert' });
		return { outcome: 'rolled-back', reason: `${why}; reverted by watchdog to generation ${from}${reverted.exit === 0 ? '' : ` (its revert exited ${reverted.exit})`}`, from, current };
	}
	const where = current === undefined ? 'its current generation could not be read' : `current is ${current === null ? 'no generation' : `generation ${current}`}`;
	return { outcome: 'manual', reason: `${why}, and the watchdog's revert (${token}) could not be confirmed: ${where} — manual intervention required`, from, ...(current === undefined ? {} : { current }) };
}

async function validatePhase(request: SwitchRequest, id: number, revert: boolean): Promise<string | undefined> {
	const { session, emit } = request;
	const host = session.host.name;
	const started = Date.now();
	const tripsBefore = session.trips;
	const flag = revert ? { revert: true } : {};
	emit({ type: 'phase', host, phase: 'validate', status: 'running', ...flag });
	const health = await checkHealth(session, request.releaseOf(id), request.force);
	emit({ type: 'phase', host, phase: 'validate', status: health.ok ? 'ok' : 'failed', reason: health.reason, ms: Date.now() - started, trips: session.trips - tripsBefore, ...flag });
	return health.ok ? undefined : (health.reason ?? 'health check failed');
}

interface SwapResult {
	readonly swapped: boolean;
	readonly from: number | null;
	/** Set when the swap or the activation after it failed. */
	readonly reason?: string;
	readonly finished?: boolean;
	readonly current?: number | null;
	/** The swap's own markers (an opening's are not among them). */
	readonly markers?: readonly string[];
	/** The opening's guard stopped the script: nothing was armed or swapped. */
	readonly stale?: boolean;
}

/** The swap and everything that makes generation `to` live, as one script (also the watchdog's revert). */
function switchScript(request: SwitchRequest, to: number, reason: SwitchReason, failedBy?: string): string {
	const host = request.session.host;
	return strategyFor(host).switchScript({
		host,
		to,
		reason,
		release: request.releaseOf(to),
		operator: request.operator,
		skips: request.skips,
		at: new Date().toISOString(),
		path: to === request.staged?.id ? request.staged.path : undefined,
		...(failedBy ? { failedBy } : {}),
	});
}

/**
 * How long the watchdog waits once the switch is activated: the longest validation the host's
 * [health] allows plus `confirm_timeout` for the confirming login (activation has its own
 * allowance, the switch's deadline, in switchTo).
 */
export function watchdogConfirmSeconds(host: HostConfig, validate: boolean): number {
	const health = host.health;
	const checks = healthCheckCount(host);
	const validation = validate ? ((health.retries + 1) * (checks * health.timeoutMs + health.intervalMs)) / 1000 : 0;
	return Math.ceil(validation + host.confirmTimeoutMs / 1000);
}

const healthCheckCount = (host: HostConfig): number => host.health.commands.length + host.health.http.length + (host.health.servicesActive ? 1 : 0);

/** One round trip: (arm the watchdog,) swap `current`, log it, install/restart what the host asks for (, mark activated) (, finish). */
async function switchTo(
	request: SwitchRequest,
	to: number,
	reason: SwitchReason,
	options: { token?: string; finish?: string; failedBy?: string; opening?: Opening & { opened(): void } },
): Promise<SwapResult> {
	const host = request.session.host;
	const { token, finish } = options;
	const arm =
		token && request.current !== null
			? armWatchdog({
					root: host.root,
					token,
					runId: request.runId,
					activationSeconds: host.timeouts.switchMs / 1000 + 10,
					confirmSeconds: watchdogConfirmSeconds(host, request.validate),
					revert: switchScript(request, request.current, 'watchdog-revert'),
				})
			: undefined;
	// In a subshell: its `cd` and `set -e` stay inside. The activated mark runs only when it succeeded.
	const swap = script(options.opening?.script, arm, `( ${switchScript(request, to, reason, options.failedBy)}
) || exit $?`, token && markActivated(host.root, token));
	const readBack = strategyFor(host).readCurrent(host);
	// Never left half-way: if this process dies now, the host still runs the switch to its end.
	const { opening } = options;
	// The opening's verdict as soon as its guard passed (the preflight ends there, the switch's output follows), else from the whole result.
	let verdict: { go: boolean } | { error: unknown } | undefined;
	const decide = (result: Parameters<Opening['proceed']>[0]) => {
		try {
			verdict = { go: opening!.proceed(result) };
			if (verdict.go) opening!.opened();
		} catch (error) {
			verdict = { error };
		}
	};
	const onMarker = opening && ((line: string, soFar: Pick<ScriptResult, 'markers' | 'blocks'>) => verdict === undefined && line === opening.passedMarker && decide({ ...soFar, code: 0, stdout: '', stderr: '' }));
	const result = await request.session.run(finish ? thenIfOk(swap, finish) : script(swap, readBack), { signal: request.force, timeoutMs: host.timeouts.switchMs, ifDisconnected: 'finish', ...(onMarker ? { onMarker } : {}) });
	if (opening && verdict === undefined) decide(result);
	if (verdict && 'error' in verdict) throw verdict.error;
	if (verdict && !verdict.go) return { swapped: false, from: null, stale: true };
	const markers = opening ? afterFirstListing(result.markers) : result.markers;
	const { swapped, from } = readSwap(markers);
	const current = strategyFor(host).parseCurrent(markers);
	const why = request.force?.aborted ? 'stopped by a second cancel' : failureReason(result);
	if (!swapped) return { swapped: false, from, reason: `switch to ${to}: ${why}` };
	if (result.code !== 0) return { swapped: true, from, reason: `activating generation ${to}: ${why}`, ...(current === undefined ? {} : { current }) };
	return { swapped: true, from, finished: readFinished(markers), markers, ...(current === undefined ? {} : { current }) };
}
