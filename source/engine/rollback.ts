import type { RunSummary } from './events.js';
import { HostFailure } from './host-session.js';
import { wentLive, type HostState } from './host-state.js';
import { expectedGenerations, generationsEvent, listingScript, readListing } from './host-listing.js';
import { connect, inPhase, phaseTimer, type HostRun } from './host-run.js';
import { lockAndRun, lockScript, reportLock } from './lock-host.js';
import { releaseLock } from './remote/lock.js';
import { readListingDigest, readStale, throughFirstListing, unchangedMarker, unlessListingChanged } from './remote/listing-digest.js';
import { script } from './remote/quote.js';
import type { RollbackRequest, RollbackTarget } from './requests.js';
import { noSkips } from './activation.js';
import { runFleet, type FleetRun } from './run-fleet.js';
import { openAndSwitch, switchAndValidate, type Opening, type SwitchRequest } from './switch-host.js';

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
		const preflight = phaseTimer(run.emit, host, 'preflight');
		await connect(host, run.context.openTransport, run.emit).catch((error: unknown) => {
			preflight.failed(error);
			throw error;
		});
		if ((await switchHost(run, request, host, validate, known, guess, openingOf(run, host, known.digest, preflight))) !== 'stale') return;
		host.session!.info('the host changed since its generations were listed: the target is picked again from what it lists now');
	}
	// After a stale guess the opening has taken the lock and read the host's state already.
	const state = host.locked && host.state ? host.state : await inPhase(run.emit, host, 'preflight', () => lockAndList(run, host));
	const target = pickTarget(state, request.target, host.host.name);
	if (target === state.current) {
		host.session!.info(`generation ${target} is already current`);
		await run.end(host, 'skipped', `already on generation ${target}`);
		return;
	}
	await switchHost(run, request, host, validate, state, target);
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

/**
 * A one-round-trip rollback's preflight: lock and list in front of the swap, which runs only if
 * the host lists exactly what `digest` was read from (so the target and the watchdog's way back
 * are what the host has). A stale listing leaves the lock taken and the host's state read.
 */
function openingOf(run: FleetRun, host: HostRun, digest: string, preflight: ReturnType<typeof phaseTimer>): Opening {
	return {
		script: lockScript(run, host, script(listingScript(host.host), unlessListingChanged(digest))),
		passedMarker: unchangedMarker,
		proceed(result) {
			try {
				const opening = throughFirstListing(result.markers);
				// Past its listing, the script's exit status is the switch's, not the preflight's.
				const listed = readListingDigest(opening) !== undefined;
				reportLock(host, host.session!, listed ? { ...result, code: 0 } : result);
				remember(run, host, readListing(host.host, { markers: opening, blocks: result.blocks }));
				preflight.ok();
				return !readStale(result.markers);
			} catch (error) {
				preflight.failed(error);
				throw error;
			}
		},
	};
}

/** Switch → validate (→ watchdog) to `target`, from `state` as the host listed it; `stale` only with an opening. */
async function switchHost(run: FleetRun, request: RollbackRequest, host: HostRun, validate: boolean, state: HostState, target: number, opening?: Opening): Promise<'stale' | undefined> {
	const releaseOf = (id: number) => state.generations.find((generation) => generation.id === id)?.release ?? `generation ${id}`;
	const switchRequest: SwitchRequest = {
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
		finish: () => script(releaseLock(host.host.root, run.runId), listingScript(host.host)),
	};
	const result = opening ? await openAndSwitch(switchRequest, opening, target, 'rollback') : await switchAndValidate(switchRequest, target, 'rollback');
	if (result === 'stale') return 'stale';
	host.expected = result.outcome === 'ok' ? target : result.outcome === 'manual' ? undefined : result.from;
	if (result.current !== undefined) host.readBack = result.current;
	if (result.finished) host.locked = host.lockSent = false;
	run.emit(result.finishedWith ? generationsEvent(host.host.name, readListing(host.host, { markers: result.finishedWith, blocks: new Map() })) : expectedGenerations(host.host.name, state.generations, result.outcome === 'ok' ? target : result.from));
	await run.end(host, result.outcome === 'rolled-back' ? 'failed' : result.outcome, result.reason);
	return undefined;
}

async function lockAndList(run: FleetRun, host: HostRun): Promise<HostState> {
	const result = await lockAndRun(run, host, listingScript(host.host));
	const state = readListing(host.host, result);
	remember(run, host, state);
	return state;
}

/** What the host listed at the start of its rollback: the state the switch starts from. */
function remember(run: FleetRun, host: HostRun, state: HostState): void {
	host.state = state;
	host.expected = state.current;
	run.emit(generationsEvent(host.host.name, state));
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
