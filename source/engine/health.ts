import type { HealthCheckKind, HealthConfig, HttpCheck } from '../config/health-checks.js';
import type { HostSession } from './host-session.js';
import { failureReason } from './host-session.js';
import { fillTemplate, type TemplateValues } from './remote/quote.js';
import { runInGeneration, servicesActive } from './remote/run-in-current.js';

export interface HealthResult {
	readonly ok: boolean;
	/** Why the last attempt failed. */
	readonly reason?: string;
}

/** What the checks run against: the host's connection, the release they validate and what its placeholders stand for. */
export interface HealthTarget {
	readonly session: HostSession;
	readonly release: string;
	/** The strategy's template values for `release` (`{current}`, `{root}`…), for command checks. */
	readonly values: TemplateValues;
}

type Check = (signal: AbortSignal) => Promise<string | undefined>;

/** How one kind of check (see `config/health-checks.ts`) runs, and how many checks a host's value of it makes. */
interface CheckRunner<Value> {
	/** Checks counted toward the validation's length: each may take the whole check timeout. */
	count(value: Value): number;
	checks(value: Value, target: HealthTarget): Check[];
}

const runners: { readonly [K in HealthCheckKind]: CheckRunner<HealthConfig[K]> } = {
	commands: {
		count: (commands) => commands.length,
		checks: (commands, { session, values }) =>
			commands.map((command) => async (signal) => {
				const result = await session.run(runInGeneration(session.host.root, 'current', fillTemplate(command, values)), { signal });
				return result.code === 0 ? undefined : `${command}: ${signal.aborted ? 'timed out' : failureReason(result)}`;
			}),
	},
	servicesActive: {
		count: (wanted) => (wanted ? 1 : 0),
		checks: (wanted, { session }) => {
			const host = session.host;
			if (!wanted || host.services.length === 0) return [];
			return [
				async (signal) => {
					const result = await session.run(servicesActive(host.services, { userUnits: host.mode !== undefined, ...(host.user ? { user: host.user } : {}) }), { signal });
					return result.code === 0 ? undefined : failureReason(result);
				},
			];
		},
	},
	http: {
		count: (checks) => checks.length,
		checks: (checks, { session, release }) => checks.map((check) => (signal) => httpCheck(check, release, session.host.name, signal)),
	},
};

const kinds = Object.keys(runners) as HealthCheckKind[];

const checksOf = <K extends HealthCheckKind>(kind: K, health: HealthConfig, target: HealthTarget): Check[] => runners[kind].checks(health[kind], target);
const countOf = <K extends HealthCheckKind>(kind: K, health: HealthConfig): number => runners[kind].count(health[kind]);

/** The host's [health] makes checks: a validation could fail, so nothing may ride along with the switch's round trip. */
export const hasHealthChecks = (health: HealthConfig): boolean => kinds.some((kind) => countOf(kind, health) > 0);

/**
 * The longest a host's validation may take: every check of every attempt using its whole
 * timeout, with the pauses between attempts. The watchdog's deadline is made of it.
 */
export function longestValidationMs(health: HealthConfig): number {
	const checks = kinds.reduce((sum, kind) => sum + countOf(kind, health), 0);
	return (health.retries + 1) * (checks * health.timeoutMs + health.intervalMs);
}

/**
 * Runs every check of the host's [health] until all pass in one attempt, up to `retries` more
 * attempts `interval` apart. No checks configured = healthy.
 */
export async function checkHealth(target: HealthTarget, cancel?: AbortSignal): Promise<HealthResult> {
	const { session } = target;
	const health = session.host.health;
	const checks = kinds.flatMap((kind) => checksOf(kind, health, target));
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

async function firstFailure(checks: readonly Check[], timeoutMs: number, cancel?: AbortSignal): Promise<string | undefined> {
	for (const check of checks) {
		const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(cancel ? [cancel] : [])]);
		const failure = await check(signal);
		if (failure) return failure;
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
