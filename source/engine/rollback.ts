import pLimit from 'p-limit';
import { maskingEmitter } from './mask-secrets.js';
import type { RunSummary } from './events.js';
import { HostFailure } from './host-session.js';
import type { HostState } from './host-state.js';
import { strategyFor } from './strategies/index.js';
import { closeHostRun, finishHost, inPhase, newHostRun, reasonOf, skipUnreported, summarize, trackPhases, type HostRun } from './host-run.js';
import { lockAndRun } from './lock-host.js';
import { newRunId, operatorName } from './release.js';
import type { RollbackRequest, RollbackTarget } from './requests.js';
import { noSkips } from './activation.js';
import { switchAndValidate } from './switch-host.js';

/** Makes an older generation current again on each host: lock, switch, restart, validate. */
export async function runRollback(request: RollbackRequest): Promise<RunSummary> {
	const runs = request.hosts.map(newHostRun);
	request = { ...request, emit: trackPhases(runs, maskingEmitter(request.hosts, request.emit)) };
	const { emit } = request;
	const runId = request.runId ?? newRunId();
	const operator = request.operator ?? operatorName();
	const validate = request.validate ?? true;
	const phases = validate ? (['preflight', 'switch', 'validate'] as const) : (['preflight', 'switch'] as const);
	const limit = pLimit(request.jobs ?? request.config.jobs);
	emit({ type: 'run-started', runId, kind: 'rollback', release: describeTarget(request.target), hosts: runs.map((run) => run.host.name), phases: [...phases], at: new Date().toISOString() });

	const rollbackHost = async (run: HostRun) => {
		try {
			if (request.signal?.aborted) throw new HostFailure('cancelled');
			const state = await inPhase(emit, run, 'preflight', () => lockAndList(run, request, runId, operator));
			const target = pickTarget(state, request.target, run.host.name);
			if (target === state.current) {
				run.session!.info(`generation ${target} is already current`);
				finishHost(emit, run, 'ok', `already on generation ${target}`);
				return;
			}
			const releaseOf = (id: number) => state.generations.find((generation) => generation.id === id)?.release ?? `generation ${id}`;
			const result = await switchAndValidate({ session: run.session!, emit, operator, skips: noSkips, validate, releaseOf, current: state.current, openTransport: request.openTransport, runId }, target, 'rollback');
			const current = result.outcome === 'ok' ? target : result.from;
			emit({ type: 'generations', host: run.host.name, current, generations: state.generations.map((generation) => ({ ...generation, current: generation.id === current })) });
			finishHost(emit, run, result.outcome === 'rolled-back' ? 'failed' : result.outcome, result.reason);
		} catch (error) {
			finishHost(emit, run, request.signal?.aborted ? 'cancelled' : 'failed', reasonOf(error));
		}
	};
	try {
		await Promise.all(runs.map((run) => limit(() => rollbackHost(run))));
	} finally {
		await Promise.all(runs.map((run) => closeHostRun(run, runId)));
	}
	for (const run of runs) skipUnreported(emit, run, phases);
	const summary = summarize(runs);
	emit({ type: 'run-finished', runId, summary, at: new Date().toISOString() });
	return summary;
}

async function lockAndList(run: HostRun, request: RollbackRequest, runId: string, operator: string): Promise<HostState> {
	const strategy = strategyFor(run.host);
	const result = await lockAndRun(run, { ...request, operator, runId }, strategy.list(run.host));
	const state = strategy.parseState(result);
	request.emit({ type: 'generations', host: run.host.name, current: state.current, generations: [...state.generations] });
	return state;
}

export function pickTarget(state: HostState, target: RollbackTarget, host: string): number {
	const ids = state.generations.map((generation) => generation.id);
	const available = `generations on ${host}: ${ids.join(', ') || '(none)'}`;
	if ('generation' in target) {
		if (!ids.includes(target.generation)) throw new HostFailure(`no generation ${target.generation}; ${available}`);
		return target.generation;
	}
	if ('release' in target) {
		const match = state.generations.filter((generation) => generation.release === target.release).at(-1);
		if (!match) throw new HostFailure(`no generation of release ${target.release}; ${available}`);
		return match.id;
	}
	const older = ids.filter((id) => state.current === null || id < state.current).at(-1);
	if (older === undefined) throw new HostFailure(`no generation older than ${state.current ?? '(none)'}; ${available}`);
	return older;
}

const describeTarget = (target: RollbackTarget): string =>
	'generation' in target ? `generation ${target.generation}` : 'release' in target ? target.release : 'previous generation';

