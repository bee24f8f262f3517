import type { HealthConfig, HttpCheck } from '../config/types.js';
import type { HostSession } from './host-session.js';
import { failureReason } from './host-session.js';
import { deadline } from './deadline.js';
import { fillTemplate } from './remote/quote.js';
import { runInGeneration, servicesActive } from './remote/run-in-current.js';
import { strategyFor } from './strategies/index.js';

export interface HealthResult {
	readonly ok: boolean;
	/** Why the last attempt failed. */
	readonly reason?: string;
}

type Check = (signal: AbortSignal) => Promise<string | undefined>;

/**
 * Runs every check of the host's [health] until all pass in one attempt, up to `retries` more
 * attempts `interval` apart. No checks configured = healthy.
 */
export async function checkHealth(session: HostSession, version: string, cancel?: AbortSignal): Promise<HealthResult> {
	const health = session.host.health;
	const checks = healthChecks(session, health, version);
	if (checks.length === 0) return { ok: true };
	let reason: string | undefined;
	for (let attempt = 0; attempt <= health.retries; attempt += 1) {
		if (attempt > 0) await sleep(health.intervalMs, cancel);
		if (cancel?.aborted) return { ok: false, reason: 'cancelled' };
		reason = await firstFailure(checks, health.timeoutMs, cancel);
		if (reason === undefined) return { ok: true };
		session.info(`health: ${reason}${attempt < health.retries ? ` (attempt ${attempt + 1}/${health.retries + 1})` : ''}`);
	}
	return { ok: false, reason };
}

function healthChecks(session: HostSession, health: HealthConfig, version: string): Check[] {
	const root = session.host.root;
	const values = strategyFor(session.host).templateValues(session.host, { release: version });
	const commandChecks = health.commands.map<Check>((command) => async (signal) => {
		const result = await session.run(runInGeneration(root, 'current', fillTemplate(command, values)), { signal });
		return result.code === 0 ? undefined : `${command}: ${signal.aborted ? 'timed out' : failureReason(result)}`;
	});
	const serviceCheck: Check[] =
		health.servicesActive && session.host.services.length > 0
			? [async (signal) => {
					const host = session.host;
					const result = await session.run(servicesActive(host.services, { userUnits: host.mode !== undefined, ...(host.user ? { user: host.user } : {}), ...(host.become ? { become: host.become } : {}) }), { signal });
					return result.code === 0 ? undefined : failureReason(result);
				}]
			: [];
	const httpChecks = health.http.map<Check>((check) => (signal) => httpCheck(check, version, session.host.name, signal));
	return [...commandChecks, ...serviceCheck, ...httpChecks];
}

async function firstFailure(checks: readonly Check[], timeoutMs: number, cancel?: AbortSignal): Promise<string | undefined> {
	for (const check of checks) {
		const limit = deadline(timeoutMs, cancel);
		try {
			const failure = await check(limit.signal);
			if (failure) return failure;
		} finally {
			limit.clear();
		}
	}
	return undefined;
}

const fill = (text: string, version: string, host: string) => text.replaceAll('{version}', version).replaceAll('{host}', host);

async function httpCheck(check: HttpCheck, version: string, host: string, signal: AbortSignal): Promise<string | undefined> {
	const url = fill(check.url, version, host);
	try {
		const response = await fetch(url, { signal, redirect: 'manual' });
		const body = await response.text();
		const statusOk = check.status === undefined ? response.status >= 200 && response.status < 300 : response.status === check.status;
		if (!statusOk) return `GET ${url}: HTTP ${response.status}`;
		const expected = check.expect === undefined ? undefined : fill(check.expect, version, host);
		if (expected !== undefined && !body.includes(expected)) return `GET ${url}: body does not contain ${JSON.stringify(expected)}`;
		return undefined;
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause?.code;
		return `GET ${url}: ${signal.aborted ? 'timed out' : (cause ?? (error as Error).message)}`;
	}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, { once: true });
	});
}
