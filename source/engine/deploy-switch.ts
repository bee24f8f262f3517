import type { WaveConfig } from '../config/types.js';
import type { GenerationStatus, HostOutcome } from './events.js';
import type { HostState } from './host-state.js';
import { expectedGenerations, generationsEvent, listingScript, readListing } from './host-listing.js';
import { expectState, readAgain, type Staged } from './lifecycle/host-lifecycle.js';
import { inPhase, type HostRun } from './lifecycle/host-run.js';
import { switchHost } from './lifecycle/switch-host.js';
import { switchOutcome } from './lifecycle/switch-end.js';
import { generationsToPrune } from './keep-rule.js';
import { releaseLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import { stagedLook } from './staged-look.js';
import { noSkips } from './activation.js';
import { mapPlan, planWaves, stopReason } from './waves.js';
import type { Deploy } from './deploy-run.js';

/** A host with a generation staged, waiting for the confirm. */
interface Waiting {
	readonly host: HostRun;
	readonly at: Staged;
}

/** The confirm, the waves and each host's switch, validation and cleanup. */
export async function confirmAndSwitch(d: Deploy): Promise<void> {
	const { run, request } = d;
	const waiting = run.hosts.flatMap((host): Waiting[] => (host.state.kind === 'staged' ? [{ host, at: host.state }] : []));
	if (waiting.length === 0) return;
	const hosts = waiting.map(({ at }) => at.staged);
	const leaveStaged = (list: readonly Waiting[], why: string) =>
		Promise.all(list.map(({ host, at }) => run.end(host, 'staged', `${why}; generation ${at.staged.to} staged`, host.strategy.markStatus(host.host, at.staged.to, 'declined', new Date().toISOString()))));
	if (run.cancelled) {
		await Promise.all(waiting.map(({ host, at }) => run.end(host, 'cancelled', `cancelled before switching; generation ${at.staged.to} staged`)));
		return;
	}
	const config: WaveConfig = { ...request.config.waves, ...definedOnly(request.waves ?? {}) };
	const planned = planWaves(waiting, config, ({ host }) => host.host);
	const { waves, canary } = planned;
	const plan = mapPlan(planned, ({ host }) => host.host.name);
	const answer = await request.confirm(hosts, stagedLook(waiting.map(({ host, at }) => ({ root: host.host.root, at }))), plan);
	run.emit({ type: 'confirm', hosts, answer, plan });
	if (!answer || run.cancelled) {
		await leaveStaged(waiting, run.cancelled ? 'not switched (cancelled)' : 'not switched (confirmation declined)');
		return;
	}
	// How each switch went: waves count failures by it before the host has ended.
	const outcomes = new Map<HostRun, HostOutcome>();
	const switched: Waiting[] = [];
	for (const [index, wave] of waves.entries()) {
		run.emit({ type: 'wave', index: index + 1, total: waves.length, hosts: wave.map(({ host }) => host.host.name), canary: index === 0 && canary });
		await run.each(
			wave.map(({ host }) => host),
			(host) => switchOne(d, host, outcomes),
		);
		switched.push(...wave);
		const remaining = waves.slice(index + 1).flat();
		if (remaining.length === 0) break;
		const failed = switched.filter(({ host }) => outcomes.get(host) !== 'ok').map(({ host }) => host.host.name);
		const stop =
			stopReason(config, index === 0 && canary, failed) ??
			((await (request.continueWaves?.({ next: index + 2, total: waves.length, switched: switched.map(({ host }) => host.host.name), failed, remaining: remaining.map(({ host }) => host.host.name) }) ?? true))
				? undefined
				: `stopped by the operator after wave ${index + 1} of ${waves.length}`);
		if (stop) {
			await leaveStaged(remaining, `not switched: ${stop}`);
			break;
		}
	}
}

const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;

/** Statuses after a switch, for the keep rule: the host's list as read, with what this switch changed. */
function statusesAfter(state: HostState, to: number, changes: Readonly<Record<number, GenerationStatus>>): { id: number; status: GenerationStatus }[] {
	const known = state.generations.map((generation) => ({ id: generation.id, status: changes[generation.id] ?? generation.status }));
	return known.some((generation) => generation.id === to) ? known : [...known, { id: to, status: changes[to] ?? 'staged' }];
}

/** One host's switch; then its cleanup where it landed on a generation (the new one, or back where it was). */
async function switchOne(d: Deploy, host: HostRun, outcomes: Map<HostRun, HostOutcome>): Promise<void> {
	const { run, request, phases } = d;
	const at = expectState(host.state, 'staged', host.host.name);
	const to = at.staged.to;
	if (run.cancelled) {
		await run.end(host, 'cancelled', `cancelled before switching; generation ${to} staged`);
		return;
	}
	const { state } = at;
	const keep = request.config.app.keep;
	const prune = (current: number, changes: Record<number, GenerationStatus>) => generationsToPrune(statusesAfter(state, to, changes), keep, current);
	const end = await switchHost(run, host, at.session, {
		to,
		reason: 'deploy',
		current: state.current,
		validate: phases.includes('validate'),
		skips: request.skips ?? noSkips,
		releaseOf: (id) => (id === to ? at.staged.release : (state.generations.find((generation) => generation.id === id)?.release ?? `generation ${id}`)),
		...(at.path === undefined ? {} : { path: at.path }),
		// A good switch's cleanup rides along with its last round trip when nothing after it can fail.
		finish: () => cleanupScript(d, host, prune(to, { [to]: 'live' })),
	});
	if (end === 'stale') throw new Error('a switch without a guard cannot find the host changed');
	const told = switchOutcome(end, to, 'deploy');
	outcomes.set(host, told.outcome);
	const landed = end.kind === 'live' ? to : end.kind === 'reverted' || end.kind === 'watchdog-reverted' ? end.from : undefined;
	if (landed !== undefined) await cleanup(d, host, prune(landed, { [to]: end.kind === 'live' ? 'live' : 'failed' }), landed, end.kind === 'live' ? end.finished : undefined);
	await run.end(host, told.outcome, told.reason);
}

/** Prunes per the keep rule, releases the lock and reads the generations back: the script of a host's last round trip. */
const cleanupScript = (d: Deploy, host: HostRun, prune: readonly number[]): string => script(host.strategy.prune(host.host, prune), releaseLock(host.host.root, d.run.runId), listingScript(host));

/**
 * Runs cleanupScript in one round trip — or none, when the switch's last round trip already did
 * (`done`: what it printed). The host's generations as it lists them end the host's run.
 */
async function cleanup(d: Deploy, host: HostRun, prune: readonly number[], current: number, done: readonly string[] | undefined): Promise<void> {
	const { run, request } = d;
	await inPhase(run.emit, host, 'cleanup', async () => {
		const at = expectState(host.state, 'switched', host.host.name);
		const markers = done ?? (await at.session.must(cleanupScript(d, host, prune), 'cleanup')).markers;
		const listed = readListing(host, { markers, blocks: new Map() });
		if (done === undefined) host.state = readAgain(at, host.strategy.parseCurrent(markers));
		host.lock = 'free';
		if (prune.length > 0) at.session.info(`removed generation${prune.length > 1 ? 's' : ''} ${prune.join(', ')} (keep = ${request.config.app.keep})`);
		const kept = at.state.generations.filter((generation) => !prune.includes(generation.id));
		run.emit(listed.digest === undefined ? expectedGenerations(host.host.name, kept, current) : generationsEvent(host.host.name, listed));
	});
}
