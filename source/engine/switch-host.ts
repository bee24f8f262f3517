import type { HostConfig } from '../config/types.js';
import type { EmitEvent, HostOutcome, SwitchReason } from './events.js';
import { checkHealth } from './health.js';
import { failureReason, type HostSession } from './host-session.js';
import { activateCurrent, swapCurrent, type ActivateInput } from './remote/switch.js';

/** Steps an operator can leave out of activation (Oqto's --skip-* flags). */
export interface Skips {
	readonly frontend: boolean;
	readonly backend: boolean;
	readonly services: boolean;
}

export const noSkips: Skips = { frontend: false, backend: false, services: false };

export interface SwitchRequest {
	readonly session: HostSession;
	readonly emit: EmitEvent;
	readonly operator: string;
	readonly skips: Skips;
	readonly validate: boolean;
	/** Release recorded in each generation, to tell switches.log and health checks what runs. */
	readonly releaseOf: (id: number) => string;
	readonly cancel?: AbortSignal;
}

export interface SwitchOutcome {
	readonly outcome: HostOutcome;
	readonly reason?: string;
	readonly from: number | null;
}

/**
 * Switch → validate, and on failure straight back to where the host was (then validate that
 * too). Never cancelled half-way: once a swap has begun it finishes on this host.
 */
export async function switchAndValidate(request: SwitchRequest, to: number, reason: Exclude<SwitchReason, 'auto-rollback'>): Promise<SwitchOutcome> {
	const { session, emit } = request;
	const host = session.host.name;
	const started = Date.now();
	emit({ type: 'phase', host, phase: 'switch', status: 'running' });
	const swap = await switchTo(request, to, reason);
	if (!swap.swapped) {
		emit({ type: 'phase', host, phase: 'switch', status: 'failed', reason: swap.reason, ms: Date.now() - started });
		return { outcome: 'failed', reason: swap.reason, from: swap.from };
	}
	emit({ type: 'switched', host, from: swap.from, to, reason });
	let failure = swap.reason;
	emit({ type: 'phase', host, phase: 'switch', status: failure ? 'failed' : 'ok', reason: failure, ms: Date.now() - started });

	if (!failure && request.validate) {
		const validated = await validatePhase(request, to);
		failure = validated;
	}
	if (!failure) return { outcome: 'ok', from: swap.from };
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
}

/** One round trip: swap `current`, log it, then install/restart what the host asks for. */
async function switchTo(request: SwitchRequest, to: number, reason: SwitchReason): Promise<SwapResult> {
	const { session, operator, skips } = request;
	const host = session.host;
	const text = [
		swapCurrent({ root: host.root, to, operator, reason, release: request.releaseOf(to), at: new Date().toISOString() }),
		activateCurrent(activation(host, skips, request.releaseOf(to))),
	].join('\n');
	const result = await session.run(text);
	const swappedLine = result.markers.find((line) => line.startsWith('swapped '));
	const fromText = swappedLine?.slice('swapped '.length);
	const from = fromText && /^\d+$/.test(fromText) ? Number(fromText) : null;
	if (!swappedLine) return { swapped: false, from, reason: `switch to ${to}: ${failureReason(result)}` };
	return { swapped: true, from, reason: result.code === 0 ? undefined : `activating generation ${to}: ${failureReason(result)}` };
}

export function activation(host: HostConfig, skips: Skips, release: string): ActivateInput {
	return {
		root: host.root,
		host: host.name,
		binaries: skips.backend ? [] : host.binaries,
		binDir: host.binDir,
		binPrefix: host.binPrefix,
		frontend: host.frontend && !skips.frontend && host.webRoot ? { dir: host.frontendDir, webRoot: host.webRoot } : undefined,
		services: skips.services ? [] : host.services,
		restart: host.restart,
		runners: skips.services || host.mode !== 'multi-user' ? [] : host.runners,
		afterSwitch: host.afterSwitch,
		release,
	};
}

