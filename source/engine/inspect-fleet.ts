import pLimit from 'p-limit';
import { maskingEmitter } from './mask-secrets.js';
import type { RunSummary } from './events.js';
import { checkHealth } from './health.js';
import { HostFailure, type HostSession } from './host-session.js';
import type { HostState } from './host-state.js';
import { strategyFor } from './strategies/index.js';
import { closeHostRun, connect, finishHost, inPhase, newHostRun, reasonOf, summarize, type HostRun } from './host-run.js';
import { lockHolder } from './lock-holder.js';
import { breakLock, peekLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import { newRunId, operatorName } from './release.js';
import type { RunContext } from './requests.js';

/** Emits one `generations` event per host. Takes no lock: reading is safe beside a deploy. */
export async function listGenerations(context: RunContext): Promise<RunSummary> {
	context = { ...context, emit: maskingEmitter(context.hosts, context.emit) };
	return eachHost(context, 'generations', async (run, session) => {
		const strategy = strategyFor(run.host);
		const state = strategy.parseState(await session.must(strategy.list(run.host), 'listing generations'));
		context.emit({ type: 'generations', host: run.host.name, current: state.current, generations: [...state.generations] });
	});
}

/**
 * Post-deploy verification (Seance): connection, tools, lock, current generation, and the
 * host's health checks against what runs now.
 */
export async function checkFleet(context: RunContext): Promise<RunSummary> {
	context = { ...context, emit: maskingEmitter(context.hosts, context.emit) };
	return eachHost(context, 'check', async (run, session) => {
		const state: HostState = await inPhase(context.emit, run, 'preflight', async () => {
			const result = await session.run(script(strategyFor(run.host).inspect(run.host), peekLock(run.host.root)));
			const missing = result.markers.find((line) => line.startsWith('missing '));
			if (missing) throw new HostFailure(`missing tools on host:${missing.slice('missing'.length)}`);
			if (result.code !== 0) throw new HostFailure(`inspect: ${result.stderr.trim().split('\n').at(-1) || `exit status ${result.code}`}`);
			if (result.markers.some((line) => line.startsWith('lock-held'))) session.info(`lock: ${lockHolder(result.markers, run.host.staleLockMs).reason}`);
			return strategyFor(run.host).parseState(result);
		});
		context.emit({ type: 'generations', host: run.host.name, current: state.current, generations: [...state.generations] });
		if (state.current === null) throw new HostFailure('nothing deployed yet (no current generation)');
		const release = state.generations.find((generation) => generation.current)?.release ?? '';
		await inPhase(context.emit, run, 'validate', async () => {
			const health = await checkHealth(session, release, context.signal);
			if (!health.ok) throw new HostFailure(health.reason ?? 'health check failed');
		});
		session.info(`generation ${state.current} (${release}) is healthy`);
	});
}

async function eachHost(context: RunContext, kind: 'generations' | 'check' | 'break-lock', work: (run: HostRun, session: HostSession) => Promise<void>): Promise<RunSummary> {
	const runId = context.runId ?? newRunId();
	const runs = context.hosts.map(newHostRun);
	const limit = pLimit(context.jobs ?? context.config.jobs);
	context.emit({ type: 'run-started', runId, kind: 'check', release: kind, hosts: runs.map((run) => run.host.name), phases: kind === 'check' ? ['preflight', 'validate'] : [], at: new Date().toISOString() });
	try {
		await Promise.all(
			runs.map((run) =>
				limit(async () => {
					try {
						await work(run, await connect(run, context.openTransport, context.emit));
						finishHost(context.emit, run, 'ok');
					} catch (error) {
						finishHost(context.emit, run, 'failed', reasonOf(error));
					}
				}),
			),
		);
	} finally {
		await Promise.all(runs.map((run) => closeHostRun(run, runId)));
	}
	const summary = summarize(runs);
	context.emit({ type: 'run-finished', runId, summary, at: new Date().toISOString() });
	return summary;
}

/** Removes each host's deploy lock (the console's "break lock", after a confirm); logged in switches.log. */
export async function breakLocks(context: RunContext): Promise<RunSummary> {
	context = { ...context, emit: maskingEmitter(context.hosts, context.emit) };
	const operator = context.operator ?? operatorName();
	return eachHost(context, 'break-lock', async (run, session) => {
		const result = await session.must(breakLock(run.host.root, operator, new Date().toISOString()), 'breaking the lock');
		const broken = result.markers.find((line) => line.startsWith('lock-broken'));
		session.info(broken ? `lock removed: ${lockHolder([broken.replace('lock-broken', 'lock-held')], run.host.staleLockMs).reason.replace(/ — .*$/, '')} (recorded in switches.log)` : 'no lock was held');
	});
}
