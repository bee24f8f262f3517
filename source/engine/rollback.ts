import type { RunSummary } from './events.js';
import { HostFailure } from './host-session.js';
import { wentLive, type HostState } from './host-state.js';
import { strategyFor } from './strategies/index.js';
import { inPhase, type HostRun } from './host-run.js';
import { lockAndRun } from './lock-host.js';
import { releaseLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import type { RollbackRequest, RollbackTarget } from './requests.js';
import { noSkips } from './activation.js';
import { runFleet, type FleetRun } from './run-fleet.js';
import { switchAndValidate } from './switch-host.js';

/** Makes an older generation current again on each host: lock, switch, restart, validate. */
export function runRollback(request: RollbackRequest): Promise<RunSummary> {
	const validate = request.validate ?? true;
	return runFleet(request, {
		kind: 'rollback',
		phases: validate ? ['preflight', 'switch', 'validate'] : ['preflight', 'switch'],
		name: async () => ({ release: describeTarget(request.target) }),
		work: (run) => run.each(run.hosts, (host) => rollbackHost(run, request, host, validate)),
	});
}

async function rollbackHost(run: FleetRun, request: RollbackRequest, host: HostRun, validate: boolean): Promise<void> {
	if (run.cancelled) throw new HostFailure('cancelled');
	const state = await inPhase(run.emit, host, 'preflight', () => lockAndList(run, host));
	const target = pickTarget(state, request.target, host.host.name);
	if (target === state.current) {
		host.session!.info(`generation ${target} is already current`);
		await run.end(host, 'ok', `already on generation ${target}`);
		return;
	}
	const strategy = strategyFor(host.host);
	const releaseOf = (id: number) => state.generations.find((generation) => generation.id === id)?.release ?? `generation ${id}`;
	const result = await switchAndValidate(
		{
			session: host.session!,
			emit: run.emit,
			operator: run.operator,
			skips: noSkips,
			validate,
			releaseOf,
			current: state.current,
			openTransport: request.openTransport,
			runId: run.runId,
			...(request.force ? { force: request.force } : {}),
			// Nothing to prune: the lock and the read-back ride along with the last round trip.
			finish: () => script(releaseLock(host.host.root, run.runId), strategy.readCurrent(host.host)),
		},
		target,
		'rollback',
	);
	host.expected = result.outcome === 'ok' ? target : result.outcome === 'manual' ? undefined : result.from;
	if (result.current !== undefined) host.readBack = result.current;
	if (result.finished) host.locked = host.lockSent = false;
	const current = result.outcome === 'ok' ? target : result.from;
	run.emit({ type: 'generations', host: host.host.name, current, generations: state.generations.map((generation) => ({ ...generation, current: generation.id === current })) });
	await run.end(host, result.outcome === 'rolled-back' ? 'failed' : result.outcome, result.reason);
}

async function lockAndList(run: FleetRun, host: HostRun): Promise<HostState> {
	const strategy = strategyFor(host.host);
	const result = await lockAndRun(run, host, strategy.list(host.host));
	const state = strategy.parseState(result);
	host.state = state;
	host.expected = state.current;
	run.emit({ type: 'generations', host: host.host.name, current: state.current, generations: [...state.generations] });
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
	// "Previous": the newest older generation that went live, not one that failed or was never switched to.
	const older = state.generations.filter((generation) => (state.current === null || generation.id < state.current) && wentLive(generation.status)).at(-1);
	if (older === undefined) throw new HostFailure(`no good generation older than ${state.current ?? '(none)'}; ${available}`);
	return older.id;
}

export const describeTarget = (target: RollbackTarget): string =>
	'generation' in target ? `generation ${target.generation}` : 'release' in target ? target.release : 'previous generation';
