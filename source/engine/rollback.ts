import type { RunSummary } from './events.js';
import { HostFailure, type HostSession } from './host-session.js';
import { wentLive, type HostState } from './host-state.js';
import { expectedGenerations, generationsEvent, listingScript, readListing } from './host-listing.js';
import { inPhase, phaseTimer, type HostRun } from './lifecycle/host-run.js';
import { switchHost, type SwitchPlan } from './lifecycle/switch-host.js';
import { expectedAfter, switchOutcome } from './lifecycle/switch-end.js';
import { guardedListingScript, lockAndList } from './lifecycle/lock-host.js';
import { releaseLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import type { RollbackRequest, RollbackTarget } from './requests.js';
import { noSkips } from './activation.js';
import { runFleet, type FleetRun } from './run-fleet.js';

/**
 * Makes an older generation current again on each host: lock, switch, restart, validate. With a
 * listing of the host the engine holds (`known`: the console's, or the last run's read-back), the
 * lock, the listing and the switch are one round trip, guarded by the listing's digest.
 */
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
	const known = request.known?.get(host.host.name);
	const guess = known === undefined ? undefined : guessTarget(known, request.target, host.host.name);
	if (known?.digest !== undefined && guess !== undefined) {
		// The preflight ends within the switch's round trip, where its guard lets the script on.
		const preflight = phaseTimer(run.emit, host, 'preflight');
		const session = await host.connect(run.context.openTransport, run.emit).catch((error: unknown) => {
			preflight.failed(error);
			throw error;
		});
		const guard = { script: guardedListingScript(run, host, known.digest), preflight };
		if ((await switchTo(run, host, session, validate, known, guess, guard)) !== 'stale') return;
		session.info('the host changed since its generations were listed: the target is picked again from what it lists now');
	}
	// After a stale guess the guard has taken the lock and read the host's state already.
	const state = host.state.kind === 'inspected' && host.lock === 'held' ? host.state.state : await inPhase(run.emit, host, 'preflight', () => lockAndList(run, host));
	const target = pickTarget(state, request.target, host.host.name);
	if (target === state.current) {
		host.session?.info(`generation ${target} is already current`);
		await run.end(host, 'skipped', `already on generation ${target}`);
		return;
	}
	const session = await host.connect(run.context.openTransport, run.emit);
	await switchTo(run, host, session, validate, state, target);
}

/** The target a listing the engine holds gives, when it gives one to switch to (else the host is asked first). */
function guessTarget(known: HostState, target: RollbackTarget, host: string): number | undefined {
	try {
		const id = pickTarget(known, target, host);
		return id === known.current ? undefined : id;
	} catch {
		return undefined;
	}
}

/** Switch → validate (→ dead-man) to `target`, from `state` as the host listed it; `stale` only with a guard. */
async function switchTo(run: FleetRun, host: HostRun, session: HostSession, validate: boolean, state: HostState, target: number, guard?: SwitchPlan['guard']): Promise<'stale' | undefined> {
	const end = await switchHost(run, host, session, {
		to: target,
		reason: 'rollback',
		current: state.current,
		validate,
		skips: noSkips,
		releaseOf: (id) => state.generations.find((generation) => generation.id === id)?.release ?? `generation ${id}`,
		// Nothing to prune: the lock and the read-back ride along with the last round trip.
		finish: () => script(releaseLock(host.host.root, run.runId), listingScript(host)),
		...(guard ? { guard } : {}),
	});
	if (end === 'stale') return 'stale';
	const finished = end.kind === 'live' ? end.finished : undefined;
	if (finished) host.lock = 'free';
	// Read back when the lock's release rode along; else what the host should list (after a manual end: where the switch left from).
	run.emit(finished ? generationsEvent(host.host.name, readListing(host, { markers: finished, blocks: new Map() })) : expectedGenerations(host.host.name, state.generations, expectedAfter(end, target) ?? end.from));
	const told = switchOutcome(end, target, 'rollback');
	await run.end(host, told.outcome, told.reason);
	return undefined;
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
