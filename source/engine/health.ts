import type { HealthCheckKind, HealthConfig, HttpCheck } from '../config/health-checks.js';
import type { HostSession } from './host-session.js';
import { failureReason } from './host-session.js';
import { deadline } from './deadline.js';
import { healthWords } from './outcome/words.js';
import { fillTemplate, type TemplateValues } from './remote/quote.js';
import { readCaptured, runCaptured, servicesActive } from './remote/run-in-current.js';

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

/** One check's answer: what passed (said in the log), or why it failed. */
type CheckResult = { readonly passed: string } | { readonly failure: string };
type Check = (signal: AbortSignal) => Promise<CheckResult>;

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
				const result = await session.run(runCaptured(session.host.root, 'current', fillTemplate(command, values)), { signal });
				for (const line of readCaptured(result)) session.info(healthWords.output(line));
				return result.code === 0 ? { passed: command } : { failure: `${command}: ${signal.aborted ? 'timed out' : failureReason(result)}` };
			}),
	},
	servicesActive: {
		count: (wanted) => (wanted ? 1 : 0),
		checks: (wanted, { session }) => {
			const host = session.host;
			if (!wanted || host.services.length === 0) return [];
			return [
				async (signal) => {
					const result = await session.run(servicesActive(host.services, { userUnits: host.mode !== undefined, ...(host.user ? { user: host.user } : {}), ...(host.become ? { become: host.become } : {}) }), { signal });
					return result.code === 0 ? { passed: `services active: ${host.services.join(', ')}` } : { failure: failureReason(result) };
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
 * attempts `interval` apart. No checks configured = healthy. The log says what passed (each
 * check, on the attempt that passed), each failed attempt, and a check command's output, labelled.
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
		const answer = await allPass(checks, health.timeoutMs, cancel);
		if (!('failure' in answer)) {
			for (const passed of answer.passed) session.info(healthWords.passed(passed, attempt + 1));
			return { ok: true };
		}
		reason = answer.failure;
		session.info(healthWords.failed(reason, attempt < health.retries ? { attempt: attempt + 1, of: health.retries + 1 } : undefined));
	}
	return { ok: false, reason };
}

/** Every check in turn, each within `timeoutMs`: what each said, or the first failure. */
async function allPass(checks: readonly Check[], timeoutMs: number, cancel?: AbortSignal): Promise<{ passed: string[] } | { failure: string }> {
	const passed: string[] = [];
	for (const check of checks) {
		// Its own timer: Node 20 collects an AbortSignal.timeout that only AbortSignal.any refers to (deadline.ts).
		const limit = deadline(timeoutMs, cancel);
		try {
			const answer = await check(limit.signal);
			if ('failure' in answer) return answer;
			passed.push(answer.passed);
		} finally {
			limit.clear();
		}
	}
	return { passed };
}

/** How much of a response body a failure shows. */
const bodyShown = 120;

/**
 * The start of a response body, fit for one log line: control characters (escape sequences,
 * newlines) become spaces, runs of white space one, at most `bodyShown` characters.
 */
export function bodyStart(body: string): string {
	// eslint-disable-next-line no-control-regex
	const flat = body.slice(0, bodyShown * 4).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
	return flat.length > bodyShown ? `${flat.slice(0, bodyShown - 1)}…` : flat;
}

const fill = (text: string, version: string, host: string) => text.replaceAll('{version}', version).replaceAll('{host}', host);

async function httpCheck(check: HttpCheck, version: string, host: string, signal: AbortSignal): Promise<CheckResult> {
	const url = fill(check.url, version, host);
	try {
		const response = await fetch(url, { signal, redirect: 'manual' });
		const body = await response.text();
		const start = bodyStart(body);
		const statusOk = check.status === undefined ? response.status >= 200 && response.status < 300 : response.status === check.status;
		if (!statusOk) return { failure: `GET ${url}: HTTP ${response.status}${start ? `: ${start}` : ''}` };
		const expected = check.expect === undefined ? undefined : fill(check.expect, version, host);
		if (expected !== undefined && !body.includes(expected)) return { failure: `GET ${url}: body does not contain ${JSON.stringify(expected)}${start ? ` (it begins: ${start})` : ' (it is empty)'}` };
		const found = expected === undefined ? '' : expected === version ? `, release ${version}` : `, body has ${JSON.stringify(expected)}`;
		return { passed: `GET ${url} ${response.status}${found}` };
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause?.code;
		return { failure: `GET ${url}: ${signal.aborted ? 'timed out' : (cause ?? (error as Error).message)}` };
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
