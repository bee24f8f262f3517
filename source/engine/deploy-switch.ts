import type { WaveConfig } from '../config/types.js';
import type { GenerationStatus } from './events.js';
import { expectedGenerations, generationsEvent, listingScript, readListing } from './host-listing.js';
import { inPhase, type HostRun } from './host-run.js';
import { generationsToPrune } from './keep-rule.js';
import { releaseLock } from './remote/lock.js';
import { script } from './remote/quote.js';
import { strategyFor } from './strategies/index.js';
import { stagedLook } from './staged-look.js';
import { noSkips } from './activation.js';
import { switchAndValidate } from './switch-host.js';
import { mapPlan, planWaves, stopReason } from './waves.js';
import type { Deploy } from './deploy-run.js';

/** The confirm, the waves and each host's switch, validation and cleanup. */
export async function confirmAndSwitch(d: Deploy): Promise<void> {
	const { run, request } = d;
	const staged = run.hosts.filter((host) => host.staged && !host.ended);
	if (staged.length === 0) return;
	const hosts = staged.map((host) => host.staged!);
	const leaveStaged = (list: readonly HostRun[], why: string) =>
		Promise.all(
			list.map((host) => {
				host.atClose.push(strategyFor(host.host).markStatus(host.host, host.staged!.to, 'declined', new Date().toISOString()));
				return run.end(host, 'staged', `${why}; generation ${host.staged!.to} staged`);
			}),
		);
	if (run.cancelled) {
		await Promise.all(staged.map((host) => run.end(host, 'cancelled', `cancelled before switching; generation ${host.staged!.to} staged`)));
		return;
	}
	const config: WaveConfig = { ...request.config.waves, ...definedOnly(request.waves ?? {}) };
	const planned = planWaves(staged, config, (host) => host.host);
	const { waves, canary } = planned;
	const plan = mapPlan(planned, (host) => host.host.name);
	const answer = await request.confirm(hosts, stagedLook(staged), plan);
	run.emit({ type: 'confirm', hosts, answer, plan });
	if (!answer || run.cancelled) {
		await leaveStaged(staged, run.cancelled ? 'not switched (cancelled)' : 'not switched (confirmation declined)');
		return;
	}
	const switched: HostRun[] = [];
	for (const [index, wave] of waves.entries()) {
		run.emit({ type: 'wave', index: index + 1, total: waves.length, hosts: wave.map((host) => host.host.name), canary: index === 0 && canary });
		await run.each(wave, (host) => switchHost(d, host));
		switched.push(...wave);
		const remaining = waves.slice(index + 1).flat();
		if (remaining.length === 0) break;
		const failed = switched.filter((host) => host.switchOutcome !== 'ok').map((host) => host.host.name);
		const stop =
			stopReason(config, index === 0 && canary, failed) ??
			((await (request.continueWaves?.({ next: index + 2, total: waves.length, switched: switched.map((host) => host.host.name), failed, remaining: remaining.map((host) => host.host.name) }) ?? true))
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
function statusesAfter(host: HostRun, changes: Readonly<Record<number, GenerationStatus>>): { id: number; status: GenerationStatus }[] {
	const known = host.state!.generations.map((generation) => ({ id: generation.id, status: changes[generation.id] ?? generation.status }));
	const to = host.staged!.to;
	return known.some((generation) => generation.id === to) ? known : [...known, { id: to, status: changes[to] ?? 'staged' }];
}

async function switchHost(d: Deploy, host: HostRun): Promise<void> {
	const { run, request, phases } = d;
	if (run.cancelled) {
		await run.end(host, 'cancelled', `cancelled before switching; generation ${host.staged!.to} staged`);
		return;
	}
	const state = host.state!;
	const to = host.staged!.to;
	const keep = request.config.app.keep;
	const prune = (current: number, changes: Record<number, GenerationStatus>) => generationsToPrune(statusesAfter(host, changes), keep, current);
	const releaseOf = (id: number) => (id === to ? host.staged!.release : (state.generations.find((generation) => generation.id === id)?.release ?? `generation ${id}`));
	const result = await switchAndValidate(
		{
			session: host.session!,
			emit: run.emit,
			operator: run.operator,
			skips: request.skips ?? noSkips,
			validate: phases.includes('validate'),
			releaseOf,
			current: state.current,
			openTransport: request.openTransport,
			runId: run.runId,
			staged: { id: to, path: host.stagedPath },
			...(request.force ? { force: request.force } : {}),
			// A good switch's cleanup rides along with its last round trip when nothing after it can fail.
			finish: () => cleanupScript(d, host, prune(to, { [to]: 'live' })),
		},
		to,
		'deploy',
	);
	host.switchOutcome = result.outcome;
	if (result.outcome === 'ok') host.expected = to;
	else if (result.outcome === 'rolled-back' || result.outcome === 'failed') host.expected = result.from;
	else host.expected = undefined;
	if (result.current !== undefined) host.readBack = result.current;
	if (result.outcome === 'ok' || (result.outcome === 'rolled-back' && result.from !== null)) {
		const current = result.outcome === 'ok' ? to : result.from!;
		const changes: Record<number, GenerationStatus> = { [to]: result.outcome === 'ok' ? 'live' : 'failed' };
		await cleanup(d, host, prune(current, changes), current, result.finished === true ? (result.finishedWith ?? []) : undefined);
	}
	await run.end(host, result.outcome, result.reason);
}

/** Prunes per the keep rule, releases the lock and reads the generations back: the script of a host's last round trip. */
const cleanupScript = (d: Deploy, host: HostRun, prune: readonly number[]): string =>
	script(strategyFor(host.host).prune(host.host, prune), releaseLock(host.host.root, d.run.runId), listingScript(host.host));

/**
 * Runs cleanupScript in one round trip — or none, when the switch's last round trip already did
 * (`done`: what it printed). The host's generations as it lists them end the host's run.
 */
async function cleanup(d: Deploy, host: HostRun, prune: readonly number[], current: number, done: readonly string[] | undefined): Promise<void> {
	const { run, request } = d;
	await inPhase(run.emit, host, 'cleanup', async () => {
		const markers = done ?? (await host.session!.must(cleanupScript(d, host, prune), 'cleanup')).markers;
		const listed = readListing(host.host, { markers, blocks: new Map() });
		if (done === undefined) host.readBack = strategyFor(host.host).parseCurrent(markers) ?? host.readBack;
		host.locked = false;
		host.lockSent = false;
		if (prune.length > 0) host.session!.info(`removed generation${prune.length > 1 ? 's' : ''} ${prune.join(', ')} (keep = ${request.config.app.keep})`);
		const kept = host.state!.generations.filter((generation) => !prune.includes(generation.id));
		run.emit(listed.digest === undefined ? expectedGenerations(host.host.name, kept, current) : generationsEvent(host.host.name, listed));
	});
}
