import type { HealthConfig, HttpCheck } from '../config/types.js';
import type { HostSession } from './host-session.js';
import { failureReason } from './host-session.js';
import { healthWords } from './outcome/words.js';
import { fillTemplate } from './remote/quote.js';
import { readCaptured, runCaptured, servicesActive } from './remote/run-in-current.js';
import { strategyFor } from './strategies/index.js';

export interface HealthResult {
	readonly ok: boolean;
	/** Why the last attempt failed. */
	readonly reason?: string;
}

/** One check's answer: what passed (said in the log), or why it failed. */
type CheckResult = { readonly passed: string } | { readonly failure: string };
type Check = (signal: AbortSignal) => Promise<CheckResult>;

/**
 * Runs every check of the host's [health] until all pass in one attempt, up to `retries` more
 * attempts `interval` apart. No checks configured = healthy. The log says what passed (each
 * check, on the attempt that passed), each failed attempt, and a check command's output, labelled.
 */
export async function checkHealth(session: HostSession, version: string, cancel?: AbortSignal): Promise<HealthResult> {
	const health = session.host.health;
	const checks = healthChecks(session, health, version);
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

function healthChecks(session: HostSession, health: HealthConfig, version: string): Check[] {
	const root = session.host.root;
	const values = strategyFor(session.host).templateValues(session.host, { release: version });
	const commandChecks = health.commands.map<Check>((command) => async (signal) => {
		const result = await session.run(runCaptured(root, 'current', fillTemplate(command, values)), { signal });
		for (const line of readCaptured(result)) session.info(healthWords.output(line));
		return result.code === 0 ? { passed: command } : { failure: `${command}: ${signal.aborted ? 'timed out' : failureReason(result)}` };
	});
	const services = session.host.services;
	const serviceCheck: Check[] =
		health.servicesActive && services.length > 0
			? [async (signal) => {
					const host = session.host;
					const result = await session.run(servicesActive(services, { userUnits: host.mode !== undefined, ...(host.user ? { user: host.user } : {}) }), { signal });
					return result.code === 0 ? { passed: `services active: ${services.join(', ')}` } : { failure: failureReason(result) };
				}]
			: [];
	const httpChecks = health.http.map<Check>((check) => (signal) => httpCheck(check, version, session.host.name, signal));
	return [...commandChecks, ...serviceCheck, ...httpChecks];
}

/** Every check in turn, each within `timeoutMs`: what each said, or the first failure. */
async function allPass(checks: readonly Check[], timeoutMs: number, cancel?: AbortSignal): Promise<{ passed: string[] } | { failure: string }> {
	const passed: string[] = [];
	for (const check of checks) {
		const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(cancel ? [cancel] : [])]);
		const answer = await check(signal);
		if ('failure' in answer) return answer;
		passed.push(answer.passed);
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
