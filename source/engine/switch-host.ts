import type { HostConfig } from '../config/types.js';
import type { EmitEvent, HostOutcome, SwitchReason } from './events.js';
import { checkHealth } from './health.js';
import { failureReason, HostSession } from './host-session.js';
import type { Skips } from './activation.js';
import { strategyFor } from './strategies/index.js';
import { armWatchdog, confirmWatchdog, watchdogOutcome } from './remote/watchdog.js';
import { finishedMarker, thenIfOk } from './remote/then-if-ok.js';
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
	readonly cancel?: AbortSignal;
	/**
	 * What to run on the host once this switch is known to be good (deploy: prune + release the
	 * lock), given the generation switched from. When the outcome is settled by the last round
	 * trip anyway (no validation that could fail and no watchdog, or the watchdog's confirmation),
	 * it rides along in that round trip instead of costing one more; `finished` says it ran.
	 */
	readonly finish?: (from: number | null) => string;
}

export interface SwitchOutcome {
	readonly outcome: HostOutcome;
	readonly reason?: string;
	readonly from: number | null;
	/** `finish` ran (successfully) in the switch's own round trip. */
	readonly finished?: boolean;
}

/**
 * Switch → validate → confirm the watchdog, and on failure straight back to where the host was
 * (validated too). Never cancelled half-way: once a swap has begun it finishes on this host.
 */
export async function switchAndValidate(request: SwitchRequest, to: number, reason: 'deploy' | 'rollback'): Promise<SwitchOutcome> {
	const { session, emit } = request;
	const host = session.host.name;
	const started = Date.now();
	const watchdog = session.host.watchdog && request.current !== null && request.current !== to ? `${request.runId}-${to}` : undefined;
	emit({ type: 'phase', host, phase: 'switch', status: 'running' });
	// Nothing after the swap can change the outcome: finish in the same round trip.
	const settled = !watchdog && (!request.validate || healthCheckCount(session.host) === 0);
	const swap = await switchTo(request, to, reason, watchdog, settled ? request.finish?.(request.current) : undefined);
	if (!swap.swapped) {
		if (watchdog) await session.run(confirmWatchdog(session.host.root, watchdog)).catch(() => undefined);
		emit({ type: 'phase', host, phase: 'switch', status: 'failed', reason: swap.reason, ms: Date.now() - started });
		return { outcome: 'failed', reason: swap.reason, from: swap.from };
	}
	emit({ type: 'switched', host, from: swap.from, to, reason });
	emit({ type: 'phase', host, phase: 'switch', status: swap.reason ? 'failed' : 'ok', reason: swap.reason, ms: Date.now() - started });

	const failure = swap.reason ?? (request.validate ? await validatePhase(request, to) : undefined);
	if (!failure) {
		if (!watchdog) return { outcome: 'ok', from: swap.from, finished: swap.finished && swap.from === request.current };
		return confirmOverNewConnection(request, watchdog, swap.from, to, started);
	}
	if (watchdog) {
		// The engine rolls back itself: the watchdog must not revert a second time later.
		const disarmed = await session.run(confirmWatchdog(session.host.root, watchdog)).catch(() => undefined);
		// Unreachable now: the watchdog is the only one who can still put the host back.
		if (disarmed?.code !== 0) return awaitWatchdog(request, watchdog, swap.from, to, started, failure);
	}
	return revert(request, swap.from, to, failure);
}

async function revert(request: SwitchRequest, from: number | null, failedId: number, failure: string): Promise<SwitchOutcome> {
	const { session, emit } = request;
	const host = session.host.name;
	if (from === null) {
		return { outcome: 'manual', reason: `${failure}; no previous generation to return to — manual intervention required`, from };
	}
	session.info(`rolling back to generation ${from}: ${failure}`);
	const back = await switchTo(request, from, 'auto-rollback');
	if (back.swapped) emit({ type: 'switched', host, from: failedId, to: from, reason: 'auto-rollback' });
	const backFailure = back.swapped ? (back.reason ?? (request.validate ? await validatePhase(request, from) : undefined)) : back.reason;
	if (backFailure) {
		return { outcome: 'manual', reason: `${failure}; rollback to ${from} failed too (${backFailure}) — manual intervention required`, from };
	}
	return { outcome: 'rolled-back', reason: `${failure}; rolled back to generation ${from}`, from };
}

/**
 * A new login writes the confirmation. When it can't (the switch broke sshd, the network, the
 * login shell…), the watchdog reverts on its own; we wait for it and report what it did.
 */
async function confirmOverNewConnection(request: SwitchRequest, token: string, from: number | null, to: number, armedAt: number): Promise<SwitchOutcome> {
	const { session } = request;
	const host = session.host;
	const fresh = request.openTransport(host);
	try {
		await fresh.connect();
		const finish = from === request.current ? request.finish?.(from) : undefined;
		const result = await fresh.exec(finish ? thenIfOk(confirmWatchdog(host.root, token), finish) : confirmWatchdog(host.root, token));
		if (result.code === 0) {
			session.info('watchdog confirmed over a new connection');
			return { outcome: 'ok', from, finished: finish !== undefined && result.stdout.split('\n').includes(finishedMarker) };
		}
		throw new Error(failureReason(result));
	} catch (error) {
		return awaitWatchdog(request, token, from, to, armedAt, `new logins failed after the switch (${(error as Error).message.split('\n')[0]})`);
	} finally {
		await fresh.close().catch(() => undefined);
	}
}

/** Waits out the watchdog's deadline, then reports whether it reverted the host. */
async function awaitWatchdog(request: SwitchRequest, token: string, from: number | null, to: number, armedAt: number, why: string): Promise<SwitchOutcome> {
	const { session, emit } = request;
	const host = session.host;
	session.info(`${why}; waiting for the watchdog to revert to generation ${from}`);
	await new Promise((resolve) => setTimeout(resolve, Math.max(0, armedAt + watchdogSeconds(host, request.validate) * 1000 + 2500 - Date.now())));
	const reverted = await readWatchdogOutcome(request, token);
	if (reverted && from !== null) {
		emit({ type: 'switched', host: host.name, from: to, to: from, reason: 'watchdog-revert' });
		return { outcome: 'rolled-back', reason: `${why}; reverted by watchdog to generation ${from}`, from };
	}
	return { outcome: 'manual', reason: `${why}, and the watchdog's revert could not be seen — manual intervention required`, from };
}

/** The old connection may be gone with the switch; then a new one is tried. */
async function readWatchdogOutcome(request: SwitchRequest, token: string): Promise<string | undefined> {
	const host = request.session.host;
	const viaOld = await request.session.run(watchdogOutcome(host.root, token)).catch(() => undefined);
	if (viaOld?.code === 0) return viaOld.markers.find((line) => line.startsWith('watchdog-reverted'));
	const fresh = request.openTransport(host);
	try {
		await fresh.connect();
		const result = await fresh.exec(watchdogOutcome(host.root, token));
		return result.stdout.split('\n').find((line) => line.startsWith('SY:watchdog-reverted'));
	} catch {
		return undefined;
	} finally {
		await fresh.close().catch(() => undefined);
	}
}

async function validatePhase(request: SwitchRequest, id: number): Promise<string | undefined> {
	const { session, emit } = request;
	const host = session.host.name;
	const started = Date.now();
	emit({ type: 'phase', host, phase: 'validate', status: 'running' });
	const health = await checkHealth(session, request.releaseOf(id), request.cancel);
	emit({ type: 'phase', host, phase: 'validate', status: health.ok ? 'ok' : 'failed', reason: health.reason, ms: Date.now() - started });
	return health.ok ? undefined : (health.reason ?? 'health check failed');
}

interface SwapResult {
	readonly swapped: boolean;
	readonly from: number | null;
	/** Set when the swap or the activation after it failed. */
	readonly reason?: string;
	readonly finished?: boolean;
}

/** The swap and everything that makes generation `to` live, as one script (also the watchdog's revert). */
function switchScript(request: SwitchRequest, to: number, reason: SwitchReason): string {
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
	});
}

/**
 * The watchdog must not fire while the engine is still validating: it waits for the longest
 * validation the host's [health] allows, then `confirm_timeout` for the confirmation itself.
 */
export function watchdogSeconds(host: HostConfig, validate: boolean): number {
	const health = host.health;
	const checks = healthCheckCount(host);
	const validation = validate ? ((health.retries + 1) * (checks * health.timeoutMs + health.intervalMs)) / 1000 : 0;
	return Math.ceil(validation + host.confirmTimeoutMs / 1000);
}

const healthCheckCount = (host: HostConfig): number => host.health.commands.length + host.health.http.length + (host.health.servicesActive ? 1 : 0);

/** One round trip: (arm the watchdog,) swap `current`, log it, install/restart what the host asks for (, finish). */
async function switchTo(request: SwitchRequest, to: number, reason: SwitchReason, watchdog?: string, finish?: string): Promise<SwapResult> {
	const host = request.session.host;
	const arm =
		watchdog && request.current !== null
			? armWatchdog({ root: host.root, token: watchdog, timeoutSeconds: watchdogSeconds(host, request.validate), revert: switchScript(request, request.current, 'watchdog-revert') })
			: undefined;
	const swap = [arm, switchScript(request, to, reason)].filter(Boolean).join('\n');
	const result = await request.session.run(finish ? thenIfOk(swap, finish) : swap);
	const swappedLine = result.markers.find((line) => line.startsWith('swapped '));
	const fromText = swappedLine?.slice('swapped '.length);
	const from = fromText && /^\d+$/.test(fromText) ? Number(fromText) : null;
	if (!swappedLine) return { swapped: false, from, reason: `switch to ${to}: ${failureReason(result)}` };
	if (result.code !== 0) return { swapped: true, from, reason: `activating generation ${to}: ${failureReason(result)}` };
	return { swapped: true, from, finished: result.markers.includes('finished') };
}
