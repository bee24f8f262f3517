import { PassThrough } from 'node:stream';
import pLimit from 'p-limit';
import { maskingEmitter } from './mask-secrets.js';
import type { Artifact } from './artifact.js';
import { diffArtifact } from './artifact.js';
import { buildArtifact } from './build.js';
import type { WaveConfig } from '../config/types.js';
import type { Phase, RunSummary } from './events.js';
import { HostFailure, type ScriptResult } from './host-session.js';
import type { HostState } from './host-state.js';
import {
	closeHostRun,
	connect,
	connectEarly,
	finishHost,
	inPhase,
	newHostRun,
	reasonOf,
	skipUnreported,
	summarize,
	trackPhases,
	type HostRun,
} from './host-run.js';
import { lockAndRun, lockScript, reportLock } from './lock-host.js';
import { generationsToPrune } from './remote/cleanup.js';
import { releaseLock } from './remote/lock.js';
import { declineStage, stageHeader } from './remote/stage.js';
import { script } from './remote/quote.js';
import { strategyFor } from './strategies/index.js';
import type { StrategyRun } from './strategies/strategy.js';
import { formatBytes } from './format-bytes.js';
import { resolvePhases } from './plan.js';
import { makeRelease, newRunId, operatorName } from './release.js';
import type { DeployRequest } from './requests.js';
import { noSkips } from './activation.js';
import { switchAndValidate } from './switch-host.js';
import { planWaves, stopReason } from './waves.js';

interface DeployRun {
	readonly request: DeployRequest;
	readonly runId: string;
	readonly release: string;
	readonly rev?: string;
	readonly operator: string;
	readonly phases: readonly Phase[];
	sharedArtifact?: Artifact;
}

/**
 * build → preflight → upload → confirm → switch → validate → cleanup, per DESIGN.md. A host's
 * failure ends only that host; a failed shared build ends the run before any host is touched.
 */
export async function runDeploy(request: DeployRequest): Promise<RunSummary> {
	const runs = request.hosts.map(newHostRun);
	request = { ...request, emit: trackPhases(runs, maskingEmitter(request.hosts, request.emit)) };
	const { config, emit } = request;
	const phases = resolvePhases(request.phases);
	const jobs = request.jobs ?? config.jobs;
	const runId = request.runId ?? newRunId();
	// The hosts that go first connect while the release is named and the build runs (never more at once than --jobs).
	if (phases.some((phase) => phase !== 'build')) for (const host of runs.slice(0, jobs)) connectEarly(host, request.openTransport, emit);

	try {
		const { release, rev } = await makeRelease(config.build?.cwd ?? config.dir);
		const run: DeployRun = { request, runId, release, rev, operator: request.operator ?? operatorName(), phases };
		const limit = pLimit(jobs);
		emit({ type: 'run-started', runId, kind: 'deploy', release, hosts: runs.map((host) => host.host.name), phases, at: new Date().toISOString() });
		if (await sharedBuild(run, runs)) {
			await Promise.all(runs.map((host) => limit(() => stageHost(run, host))));
			if (phases.includes('switch')) await confirmAndSwitch(run, runs, limit);
		}
		for (const host of runs) finishHost(emit, host, host.staged && phases.includes('switch') ? 'staged' : 'ok');
	} finally {
		await Promise.all(runs.map((host) => closeHostRun(host, runId)));
	}
	for (const host of runs) skipUnreported(emit, host, phases);
	const summary = summarize(runs);
	emit({ type: 'run-finished', runId, summary, at: new Date().toISOString() });
	return summary;
}

/** One build for the whole fleet (unless it is per host). False when it failed: nothing else runs. */
async function sharedBuild(run: DeployRun, runs: HostRun[]): Promise<boolean> {
	const { config, emit, signal } = run.request;
	const build = config.build;
	const needsArtifact = run.phases.some((phase) => phase === 'build' || phase === 'preflight' || phase === 'upload');
	if (!build || build.perHost || !needsArtifact) return true;
	const runBuild = run.phases.includes('build');
	try {
		const work = () => buildArtifact({ build, release: run.release, emit, signal, run: runBuild });
		run.sharedArtifact = runBuild ? await inPhase(emit, null, 'build', work) : await work();
		return true;
	} catch (error) {
		// Without --skip-build an artifact is optional for preflight-only runs (no diff then).
		if (!runBuild && !run.phases.includes('upload')) return true;
		const reason = reasonOf(error);
		for (const host of runs) finishHost(emit, host, signal?.aborted ? 'cancelled' : 'failed', `${reason} — no host was touched`);
		return false;
	}
}

async function stageHost(run: DeployRun, host: HostRun): Promise<void> {
	const { emit, signal } = run.request;
	try {
		if (run.request.config.build?.perHost && run.phases.some((phase) => phase === 'build' || phase === 'upload')) {
			const build = run.request.config.build;
			const runBuild = run.phases.includes('build');
			const work = () => buildArtifact({ build, host: host.host.name, release: run.release, emit, signal, run: runBuild });
			host.artifact = runBuild ? await inPhase(emit, host, 'build', work) : await work();
		} else host.artifact = run.sharedArtifact;

		if (canStreamUpload(run, host)) {
			throwIfCancelled(signal);
			await preflightAndUpload(run, host);
		} else {
			if (run.phases.includes('preflight')) {
				throwIfCancelled(signal);
				await inPhase(emit, host, 'preflight', () => preflight(run, host));
			}
			if (run.phases.includes('upload')) {
				throwIfCancelled(signal);
				await inPhase(emit, host, 'upload', () => upload(run, host));
			} else if (run.phases.includes('switch')) pickStaged(run, host);
		}
	} catch (error) {
		finishHost(emit, host, signal?.aborted ? 'cancelled' : 'failed', signal?.aborted ? 'cancelled before switching; nothing changed' : reasonOf(error));
	}
}

/** Preflight and upload share one round trip when nothing has to run on the host between them. */
function canStreamUpload(run: DeployRun, host: HostRun): boolean {
	const strategy = strategyFor(host.host);
	return run.phases.includes('preflight') && run.phases.includes('upload') && !host.host.dryRun && strategy.stageFromHeader !== undefined && uploadArtifact(host) !== undefined;
}

/**
 * One script: lock, inspect, then wait. When the host's state is in, the engine checks disk and
 * diff and answers with the new generation's header and tar on the same stdin; on any objection
 * it answers "no" and the script ends with nothing staged.
 */
async function preflightAndUpload(run: DeployRun, host: HostRun): Promise<void> {
	const { emit, signal } = run.request;
	const config = host.host;
	const strategy = strategyFor(config);
	const stdin = new PassThrough();
	let ready: (soFar: Pick<ScriptResult, 'markers' | 'blocks'>) => void = () => {};
	const whenReady = new Promise<Pick<ScriptResult, 'markers' | 'blocks'>>((resolve) => (ready = resolve));

	const finished = inPhase(emit, host, 'preflight', async () => {
		const session = await connect(host, run.request.openTransport, emit);
		const text = lockScript(host, { ...run.request, operator: run.operator, runId: run.runId }, script(strategy.inspect(config), strategy.stageFromHeader!(config)));
		const running = session.run(text, { stdin, signal, onMarker: (line, soFar) => line === 'ready' && ready(soFar) });
		// The script ends before "ready" when the lock is held or a tool is missing: that is the answer then.
		const early = running.then((result) => {
			reportLock(host, session, result);
			throw new HostFailure('preflight: the host ended the script before it was ready');
		});
		early.catch(() => undefined);
		try {
			const soFar = await Promise.race([whenReady, early]);
			reportLock(host, session, { markers: soFar.markers, code: 0, stderr: '' });
			checkHostState(run, host, strategy.parseState(soFar));
		} catch (error) {
			stdin.end(declineStage);
			await running.catch(() => undefined);
			throw error;
		}
		// Wrapped: returning the promise itself would make the phase wait for the whole script.
		return { running };
	});
	const { running } = await finished;

	await inPhase(emit, host, 'upload', async () => {
		const artifact = uploadArtifact(host)!;
		const upload = strategy.prepareUpload!(strategyRun(run, host), host.state!, artifact, host.diff ?? diffArtifact(null, artifact));
		stdin.write(stageHeader(upload.id, upload.reuseFrom));
		upload.archive.on('error', (error) => stdin.destroy(error)).pipe(stdin);
		const staged = await strategy.settleUpload!(strategyRun(run, host), upload, await running);
		host.staged = { host: config.name, from: host.state!.current, to: staged.id, diff: staged.diff };
		emit({ type: 'staged', staged: host.staged });
	});
}

/** What a host gets staged: the build's artifact; a script host may deploy with none. */
function uploadArtifact(host: HostRun): Artifact | undefined {
	return host.artifact ?? (host.host.strategy === 'script' ? emptyArtifact : undefined);
}

async function preflight(run: DeployRun, host: HostRun): Promise<void> {
	const config = host.host;
	const strategy = strategyFor(config);
	const result = await lockAndRun(host, { ...run.request, operator: run.operator, runId: run.runId }, strategy.inspect(config));
	const state = strategy.parseState(result);
	checkHostState(run, host, state);
	await strategy.dryRun(strategyRun(run, host), state, host.artifact);
}

/** Records what the host has, shows the diff, and refuses a host without room for the upload. */
function checkHostState(run: DeployRun, host: HostRun, state: HostState): void {
	const config = host.host;
	host.state = state;
	run.request.emit({ type: 'generations', host: config.name, current: state.current, generations: [...state.generations] });
	if (!host.artifact) return;
	host.diff = strategyFor(config).diff(state, host.artifact);
	if (host.diff) {
		const { added, changed, removed, bytes } = host.diff;
		host.session!.info(`diff against generation ${state.current ?? '(none)'}: +${added} ~${changed} -${removed}, ${formatBytes(bytes)} to send`);
	}
	const neededKb = Math.ceil(((host.diff?.bytes ?? 0) * 1.1) / 1024) + config.minFreeMb * 1024;
	if (state.freeKb !== undefined && state.freeKb < neededKb) {
		throw new HostFailure(`disk full: ${formatBytes(state.freeKb * 1024)} free under ${config.root}, need ${formatBytes(neededKb * 1024)} (min_free_mb = ${config.minFreeMb})`);
	}
}

async function upload(run: DeployRun, host: HostRun): Promise<void> {
	const config = host.host;
	const strategy = strategyFor(config);
	const artifact = uploadArtifact(host);
	if (!artifact) throw new HostFailure('nothing to upload: no [build] artifact in the config');
	const state = host.state!;
	const staged = await strategy.stage(strategyRun(run, host), state, artifact, host.diff ?? diffArtifact(null, artifact));
	host.staged = { host: config.name, from: state.current, to: staged.id, diff: staged.diff };
	host.stagedPath = staged.path;
	run.request.emit({ type: 'staged', staged: host.staged });
}

const emptyArtifact: Artifact = { dir: '', files: [], links: [], bytes: 0 };

const strategyRun = (run: DeployRun, host: HostRun): StrategyRun => ({
	session: host.session!,
	release: run.release,
	rev: run.rev,
	operator: run.operator,
	runId: run.runId,
	emit: run.request.emit,
	signal: run.request.signal,
});

/** A switch without an upload goes to the newest generation staged earlier (e.g. after a declined confirm). */
function pickStaged(run: DeployRun, host: HostRun): void {
	const state = host.state!;
	const newest = state.generations.at(-1);
	if (!newest || (state.current !== null && newest.id <= state.current)) {
		throw new HostFailure(`nothing staged to switch to: generation ${state.current ?? '(none)'} is current and newest; run the upload phase first`);
	}
	host.staged = { host: host.host.name, from: state.current, to: newest.id, diff: { added: 0, changed: 0, removed: 0, bytes: 0 } };
	run.request.emit({ type: 'staged', staged: host.staged });
}

async function confirmAndSwitch(run: DeployRun, runs: HostRun[], limit: ReturnType<typeof pLimit>): Promise<void> {
	const { emit, signal } = run.request;
	const staged = runs.filter((host) => host.staged && !host.outcome);
	if (staged.length === 0) return;
	const hosts = staged.map((host) => host.staged!);
	if (signal?.aborted) {
		for (const host of staged) finishHost(emit, host, 'cancelled', 'cancelled before switching; staged generation kept');
		return;
	}
	const answer = await run.request.confirm(hosts);
	emit({ type: 'confirm', hosts, answer });
	if (!answer) {
		for (const host of staged) finishHost(emit, host, 'staged', `not switched (confirmation declined); generation ${host.staged!.to} staged`);
		return;
	}
	const config: WaveConfig = { ...run.request.config.waves, ...definedOnly(run.request.waves ?? {}) };
	const waves = planWaves(staged, config);
	const switched: HostRun[] = [];
	for (const [index, wave] of waves.entries()) {
		emit({ type: 'wave', index: index + 1, total: waves.length, hosts: wave.map((host) => host.host.name), canary: index === 0 && config.canary > 0 });
		await Promise.all(wave.map((host) => limit(() => switchHost(run, host))));
		switched.push(...wave);
		const remaining = waves.slice(index + 1).flat();
		if (remaining.length === 0) break;
		const failed = switched.filter((host) => host.outcome !== 'ok').map((host) => host.host.name);
		const stop =
			stopReason(config, index, failed.length, failed) ??
			((await (run.request.continueWaves?.({ next: index + 2, total: waves.length, switched: switched.map((host) => host.host.name), failed, remaining: remaining.map((host) => host.host.name) }) ?? true))
				? undefined
				: `stopped by the operator after wave ${index + 1} of ${waves.length}`);
		if (stop) {
			for (const host of remaining) finishHost(emit, host, 'staged', `not switched: ${stop}; generation ${host.staged!.to} staged`);
			break;
		}
	}
}

const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;

async function switchHost(run: DeployRun, host: HostRun): Promise<void> {
	const { emit, signal } = run.request;
	if (signal?.aborted) {
		finishHost(emit, host, 'cancelled', `cancelled before switching; generation ${host.staged!.to} staged`);
		return;
	}
	const state = host.state!;
	const to = host.staged!.to;
	const releaseOf = (id: number) => state.generations.find((generation) => generation.id === id)?.release ?? (id === to ? run.release : `generation ${id}`);
	const result = await switchAndValidate(
		{
			session: host.session!,
			emit,
			operator: run.operator,
			skips: run.request.skips ?? noSkips,
			validate: run.phases.includes('validate'),
			releaseOf,
			current: state.current,
			openTransport: run.request.openTransport,
			runId: run.runId,
			staged: { id: to, path: host.stagedPath },
			// A good switch's cleanup rides along with its last round trip when nothing after it can fail.
			finish: (from) => cleanupScript(run, host, generationsToPrune(generationIds(host), run.request.config.app.keep, to, from)),
		},
		to,
		'deploy',
	);
	if (result.outcome === 'ok' || result.outcome === 'rolled-back') {
		await cleanup(run, host, result.outcome === 'ok' ? to : result.from, result.outcome === 'ok' ? result.from : to, result.finished === true);
	}
	finishHost(emit, host, result.outcome, result.reason);
}

const generationIds = (host: HostRun): number[] => [...host.state!.generations.map((generation) => generation.id), host.staged!.to];

/** Prune + release the lock: one script. */
const cleanupScript = (run: DeployRun, host: HostRun, prune: readonly number[]): string =>
	script(strategyFor(host.host).prune(host.host, prune), releaseLock(host.host.root, run.runId));

/**
 * Keeps the newest `keep` generations (never current or previous) and releases the lock in one
 * round trip — or none, when the switch's last round trip already did (`done`).
 */
async function cleanup(run: DeployRun, host: HostRun, current: number | null, previous: number | null, done: boolean): Promise<void> {
	const { emit } = run.request;
	const state = host.state!;
	const config = host.host;
	const to = host.staged!.to;
	await inPhase(emit, host, 'cleanup', async () => {
		const prune = generationsToPrune(generationIds(host), run.request.config.app.keep, current, previous);
		if (!done) await host.session!.must(cleanupScript(run, host, prune), 'cleanup');
		host.locked = false;
		if (prune.length > 0) host.session!.info(`removed generation${prune.length > 1 ? 's' : ''} ${prune.join(', ')} (keep = ${run.request.config.app.keep})`);
		const created = { id: to, release: run.release, created: new Date().toISOString(), by: run.operator, rev: run.rev, bytes: host.artifact?.bytes ?? 0, files: host.artifact?.files.length ?? 0, current: false };
		const known = state.generations.some((generation) => generation.id === to);
		const generations = [...state.generations, ...(known ? [] : [created])]
			.filter((generation) => !prune.includes(generation.id))
			.map((generation) => ({ ...generation, current: generation.id === current }));
		emit({ type: 'generations', host: config.name, current, generations });
	});
}

function throwIfCancelled(signal?: AbortSignal): void {
	if (signal?.aborted) throw new HostFailure('cancelled');
}
