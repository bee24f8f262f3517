import { availableParallelism } from 'node:os';
import { PassThrough, Readable } from 'node:stream';
import pLimit from 'p-limit';
import type { Artifact } from './artifact.js';
import { diffArtifact, linksLeavingArtifact } from './artifact.js';
import { artifactDigest } from './artifact-digest.js';
import { buildArtifact } from './build.js';
import type { WaveConfig } from '../config/types.js';
import type { GenerationStatus, Phase, RunSummary } from './events.js';
import { HostFailure, type ScriptResult } from './host-session.js';
import { pendingGeneration, type HostState } from './host-state.js';
import { connect, inPhase, type HostRun } from './host-run.js';
import { generationsToPrune } from './keep-rule.js';
import { lockScript, reportLock, preflightScript } from './lock-host.js';
import { releaseLock } from './remote/lock.js';
import { declineStage } from './remote/stage.js';
import { script } from './remote/quote.js';
import { strategyFor } from './strategies/index.js';
import type { PreparedUpload, StrategyRun } from './strategies/strategy.js';
import { formatBytes } from './format-bytes.js';
import { fileChanges } from './file-changes.js';
import { stagedLook } from './staged-look.js';
import { resolvePhases } from './plan.js';
import { makeRelease } from './release.js';
import type { DeployRequest } from './requests.js';
import { noSkips } from './activation.js';
import { runFleet, type FleetRun } from './run-fleet.js';
import { switchAndValidate } from './switch-host.js';
import { planWaves, stopReason } from './waves.js';
import { describeMissing, needsResolving, resolveValues, type MissingValue } from './secrets.js';
import { addWarnings } from './warnings.js';

/** One deploy: the fleet run, what was asked, and the artifact every host gets (unless built per host). */
interface Deploy {
	readonly run: FleetRun;
	readonly request: DeployRequest;
	readonly phases: readonly Phase[];
	/** No upload and no switch: nothing on any host may change (no lock, no directories). */
	readonly readOnly: boolean;
	sharedArtifact?: Artifact;
	/** Per-host builds, started at once and run a few at a time (see `startBuilds`), apart from the hosts' own concurrency. */
	builds?: Map<HostRun, Promise<Artifact>>;
	/** `warning:` lines of the builds and dry runs, by host ('' for the shared build), for the confirm. */
	readonly warnings: Map<string, string[]>;
	/** Values from this machine (secrets) a host could not get: it fails its preflight, untouched. */
	readonly missing: readonly MissingValue[];
}

/**
 * build → preflight → upload → confirm → switch → validate → cleanup, per DESIGN.md. A host's
 * failure ends only that host; a failed shared build ends the run before any host is touched.
 */
export async function runDeploy(request: DeployRequest): Promise<RunSummary> {
	const phases = resolvePhases(request.phases);
	const reuse = request.reuse;
	// Secrets from this machine, once per run and before any host is touched; the run masks them.
	const touches = phases.includes('preflight') || phases.includes('upload');
	const values = touches && needsResolving(request.hosts) ? await resolveValues(request.hosts, { cwd: request.config.dir, env: process.env, signal: request.signal }) : { hosts: request.hosts, missing: [] };
	return runFleet(
		{ ...request, hosts: values.hosts },
		{
			kind: 'deploy',
			phases,
			connectEarly: phases.some((phase) => phase !== 'build') && values.missing.length === 0,
			...(reuse ? { retryOf: reuse.runId } : {}),
			name: async () => (reuse ? { release: reuse.release } : makeRelease(request.config.build?.cwd ?? request.config.dir)),
			work: (run) => deploy({ run, request, phases, readOnly: !phases.includes('upload') && !phases.includes('switch'), warnings: new Map(), missing: values.missing }),
		},
	);
}

async function deploy(d: Deploy): Promise<void> {
	const { run, phases } = d;
	await failMissingValues(d);
	// Nobody left to build for (every host misses a secret): nothing runs, not even the build.
	if (run.hosts.every((host) => host.ended)) return;
	if (!(await sharedBuild(d))) return;
	startBuilds(d);
	await run.each(run.hosts, (host) => stageHost(d, host));
	if (phases.includes('switch')) await confirmAndSwitch(d);
	await Promise.all(run.hosts.map((host) => run.end(host, 'ok')));
}

/** A host missing a value from this machine fails its preflight by the value's name; nothing is built or sent for it. */
async function failMissingValues(d: Deploy): Promise<void> {
	const { run } = d;
	await Promise.all(
		run.hosts.map(async (host) => {
			const missing = d.missing.filter((each) => each.host === host.host.name);
			if (missing.length === 0) return;
			const error = new HostFailure(`missing secret${missing.length > 1 ? 's' : ''}: ${describeMissing(missing)} — nothing was touched`);
			await inPhase(run.emit, host, 'preflight', () => Promise.reject(error)).catch(() => undefined);
			await run.fail(host, error);
		}),
	);
}

/**
 * Per-host builds are this machine's work, not the hosts': they run at most `--jobs` (else
 * `[build] jobs`, else the CPU count, as pantherOS's build-all.sh does) at once, whatever the
 * hosts' own concurrency; each host's staging starts as soon as its build is done.
 */
function startBuilds(d: Deploy): void {
	const { run, request, phases } = d;
	const build = request.config.build;
	if (!build?.perHost || !phases.some((phase) => phase === 'build' || phase === 'upload')) return;
	const hosts = run.hosts.filter((host) => !host.ended);
	if (hosts.length === 0) return;
	const jobs = request.jobs ?? build.jobs ?? availableParallelism();
	const limit = pLimit(jobs);
	if (phases.includes('build')) run.emit({ type: 'log', host: null, stream: 'info', line: `building ${hosts.length} host${hosts.length === 1 ? '' : 's'}, ${Math.min(jobs, hosts.length)} at a time (${request.jobs !== undefined ? '--jobs' : build.jobs !== undefined ? '[build] jobs' : 'CPU count'})` });
	d.builds = new Map(
		hosts.map((host) => {
			const built = limit(() => (run.cancelled ? Promise.reject(new HostFailure('cancelled')) : buildOrFingerprint(d, host)));
			// Awaited by the host's staging; a failure must not surface before that as unhandled.
			built.catch(() => undefined);
			return [host, built];
		}),
	);
}

/** One build for the whole fleet (unless it is per host). False when it failed: nothing else runs. */
async function sharedBuild(d: Deploy): Promise<boolean> {
	const { run, request, phases } = d;
	const build = request.config.build;
	const needsArtifact = phases.some((phase) => phase === 'build' || phase === 'preflight' || phase === 'upload');
	if (!build || build.perHost || !needsArtifact) return true;
	try {
		d.sharedArtifact = await buildOrFingerprint(d, null);
		return true;
	} catch (error) {
		// Without --skip-build an artifact is optional for preflight-only runs (no diff then).
		if (!phases.includes('build') && !phases.includes('upload')) return true;
		await Promise.all(run.hosts.map((host) => run.fail(host, new HostFailure(`${(error as HostFailure).reason ?? (error as Error).message} — no host was touched`), 'cancelled during the build; no host was touched')));
		return false;
	}
}

/** Builds (or, with the build phase left out, only fingerprints) the artifact; a retry's must be the one retried. */
async function buildOrFingerprint(d: Deploy, host: HostRun | null): Promise<Artifact> {
	const { run, request, phases } = d;
	const build = request.config.build!;
	const runBuild = phases.includes('build');
	const warnings: string[] = [];
	const work = () => buildArtifact({ build, ...(host ? { host: host.host.name } : {}), release: run.release, emit: run.emit, signal: run.signal, run: runBuild, warnings });
	const artifact = runBuild ? await inPhase(run.emit, host, 'build', work) : await work();
	const digest = artifactDigest(artifact);
	run.emit({ type: 'artifact', host: host?.host.name ?? null, digest, files: artifact.files.length, bytes: artifact.bytes });
	noteWarnings(d, host?.host.name ?? '', warnings);
	const expected = request.reuse?.digests[host?.host.name ?? ''];
	if (expected !== undefined && expected !== digest) throw new HostFailure(`the artifact ${artifact.dir} changed since run ${request.reuse!.runId}; deploy it as a new release instead of retrying`);
	return artifact;
}

async function stageHost(d: Deploy, host: HostRun): Promise<void> {
	const { run, request, phases } = d;
	const built = d.builds?.get(host);
	host.artifact = built ? await built : d.sharedArtifact;
	const artifact = uploadArtifact(host);
	throwIfCancelled(run.signal);
	if (artifact && (phases.includes('upload') || phases.includes('preflight'))) {
		const problems = [...strategyFor(host.host).requirements(host.host, artifact, request.skips ?? noSkips), ...externalLinks(host, artifact)];
		// Checked here, before the host is even contacted: a missing file would otherwise fail only after `current` moved.
		if (problems.length > 0) {
			const reason = `${problems.join('; ')} — nothing was staged`;
			await inPhase(run.emit, host, 'preflight', () => Promise.reject(new HostFailure(reason)));
		}
	}
	if (canStreamUpload(d, host)) {
		await preflightAndUpload(d, host);
		return;
	}
	if (phases.includes('preflight')) await inPhase(run.emit, host, 'preflight', () => preflight(d, host));
	throwIfCancelled(run.signal);
	if (host.state?.alreadyLive && phases.includes('upload')) {
		// Staging it again would make no new generation to switch to (nix-env --set to its own path).
		const live = `generation ${host.state.current} already runs this build`;
		host.session!.info(`${live}: nothing to stage or switch`);
		await run.end(host, 'ok', live);
		return;
	}
	if (phases.includes('upload')) await inPhase(run.emit, host, 'upload', () => stageAlone(d, host));
	else if (phases.includes('switch')) pickStaged(d, host);
}

/** Symlinks that leave the artifact are refused unless the host allows them (a link out of the tree can be written through). */
function externalLinks(host: HostRun, artifact: Artifact): string[] {
	if (host.host.allowExternalLinks) return [];
	const leaving = linksLeavingArtifact(artifact);
	if (leaving.length === 0) return [];
	const shown = leaving.slice(0, 3).map((link) => `${link.path} -> ${link.target}`).join(', ');
	return [`the artifact ${artifact.dir} has symlinks leaving it (${shown}${leaving.length > 3 ? `, +${leaving.length - 3} more` : ''}); set allow_external_links = true to ship them`];
}

/** Preflight and upload share one round trip when nothing has to run on the host between them. */
function canStreamUpload(d: Deploy, host: HostRun): boolean {
	return d.phases.includes('preflight') && d.phases.includes('upload') && !strategyFor(host.host).hasDryRun(host.host) && uploadArtifact(host) !== undefined;
}

const strategyRun = (d: Deploy, host: HostRun): StrategyRun => ({
	session: host.session!,
	release: d.run.release,
	rev: d.run.rev,
	operator: d.run.operator,
	runId: d.run.runId,
	emit: d.run.emit,
	signal: d.run.signal,
});

/**
 * One script: lock, inspect, then the strategy's staging, waiting. When the host's state is in,
 * the engine checks disk and diff and answers with the new generation's header and bytes on the
 * same stdin; on any objection it answers "no" and the script ends with nothing staged.
 */
async function preflightAndUpload(d: Deploy, host: HostRun): Promise<void> {
	const { run } = d;
	const config = host.host;
	const strategy = strategyFor(config);
	const stdin = new PassThrough();
	let ready: (soFar: Pick<ScriptResult, 'markers' | 'blocks'>) => void = () => {};
	const whenReady = new Promise<Pick<ScriptResult, 'markers' | 'blocks'>>((resolve) => (ready = resolve));

	const { running } = await inPhase(run.emit, host, 'preflight', async () => {
		const session = await connect(host, run.context.openTransport, run.emit);
		const text = lockScript(run, host, script(strategy.inspect(config, uploadArtifact(host)), strategy.staging.script(strategyRun(d, host))));
		const running = session.run(text, { stdin, signal: run.signal, timeoutMs: config.timeouts.uploadMs, onMarker: (line, soFar) => line === 'ready' && ready(soFar) });
		// The script ends before "ready" when the lock is held or a tool is missing: that is the answer then.
		const early = running.then((result) => {
			reportLock(host, session, result);
			throw new HostFailure('preflight: the host ended the script before it was ready');
		});
		early.catch(() => undefined);
		try {
			const soFar = await Promise.race([whenReady, early]);
			reportLock(host, session, { markers: soFar.markers, code: 0, stderr: '' });
			checkHostState(d, host, strategy.parseState(soFar));
			declareSteps(d, host, soFar);
			throwIfCancelled(run.signal);
		} catch (error) {
			stdin.end(declineStage);
			await running.catch(() => undefined);
			throw error;
		}
		// Wrapped: returning the promise itself would make the phase wait for the whole script.
		return { running };
	});

	await inPhase(run.emit, host, 'upload', async () => {
		let upload: PreparedUpload;
		try {
			upload = prepareUpload(d, host);
		} catch (error) {
			// The host waits for an answer on stdin: "no", or it would wait until the deadline.
			stdin.end(declineStage);
			await running.catch(() => undefined);
			throw error;
		}
		stdin.write(upload.header);
		if (upload.body) upload.body.on('error', (error) => stdin.destroy(error)).pipe(stdin);
		else stdin.end();
		settleStaged(d, host, await strategy.staging.settle(strategyRun(d, host), upload, await running));
	});
}

/** What a host gets staged: the build's artifact; a script host may deploy with none. */
function uploadArtifact(host: HostRun): Artifact | undefined {
	return host.artifact ?? (host.host.strategy === 'script' ? emptyArtifact : undefined);
}

/**
 * Preflight on its own: the lock (none for a read-only run), the host's state, the dry run. A
 * dry run (read-only) also reads what a switch would replace, in the same round trip, and says
 * what a deploy would do on the host.
 */
async function preflight(d: Deploy, host: HostRun): Promise<void> {
	const { run, request } = d;
	const config = host.host;
	const strategy = strategyFor(config);
	const skips = request.skips ?? noSkips;
	const session = await connect(host, run.context.openTransport, run.emit);
	const inspect = strategy.inspect(config, host.artifact);
	const result = await session.run(d.readOnly ? preflightScript(host, script(inspect, strategy.preview.script(config, skips))) : lockScript(run, host, inspect), { signal: run.signal });
	reportLock(host, session, result, d.readOnly);
	const state = strategy.parseState(result);
	checkHostState(d, host, state);
	declareSteps(d, host, result);
	if (state.alreadyLive && !d.readOnly) return;
	noteWarnings(d, config.name, await strategy.dryRun(strategyRun(d, host), state, host.artifact));
	if (!d.readOnly) return;
	const app = request.config.app;
	for (const line of strategy.preview.describe({ host: config, state, ...(host.artifact ? { artifact: host.artifact } : {}), skips, release: run.release, result, app })) session.info(line);
	session.info('nothing was changed (dry run)');
}

/** Steps a deploy script declares (FastDeploy's config.json) show as pending from the preflight on. */
function declareSteps(d: Deploy, host: HostRun, result: Pick<ScriptResult, 'markers' | 'blocks'>): void {
	for (const name of strategyFor(host.host).declaredSteps(result)) d.run.emit({ type: 'step', host: host.host.name, name, state: 'pending' });
}

function noteWarnings(d: Deploy, host: string, found: readonly string[]): void {
	if (found.length === 0) return;
	const list = d.warnings.get(host) ?? [];
	addWarnings(list, found);
	d.warnings.set(host, list);
}

/** A host's warnings for the confirm: the shared build's, its own build's and its dry run's. */
const warningsOf = (d: Deploy, host: string): readonly string[] => {
	const all: string[] = [];
	addWarnings(all, d.warnings.get('') ?? []);
	addWarnings(all, d.warnings.get(host) ?? []);
	return all;
};

/** Records what the host has, shows the diff, and refuses a host without room for the upload. */
function checkHostState(d: Deploy, host: HostRun, state: HostState): void {
	const config = host.host;
	host.state = state;
	host.expected = state.current;
	d.run.emit({ type: 'generations', host: config.name, current: state.current, generations: [...state.generations] });
	if (!host.artifact) return;
	host.diff = strategyFor(config).diff(config, state, host.artifact);
	if (host.diff) {
		const { added, changed, removed, bytes } = host.diff;
		host.session!.info(`diff against generation ${state.current ?? '(none)'}: +${added} ~${changed} -${removed}, ${formatBytes(bytes)} to send`);
	}
	const neededKb = Math.ceil(((host.diff?.bytes ?? 0) * 1.1) / 1024) + config.minFreeMb * 1024;
	if (state.freeKb !== undefined && state.freeKb < neededKb) {
		throw new HostFailure(`disk full: ${formatBytes(state.freeKb * 1024)} free under ${config.root}, need ${formatBytes(neededKb * 1024)} (min_free_mb = ${config.minFreeMb})`);
	}
}

function prepareUpload(d: Deploy, host: HostRun): PreparedUpload {
	const artifact = uploadArtifact(host);
	if (!artifact) throw new HostFailure('nothing to upload: no [build] artifact in the config');
	return strategyFor(host.host).staging.prepare(strategyRun(d, host), host.state!, artifact, host.diff ?? diffArtifact(null, artifact));
}

/** The staging script in a round trip of its own (after a dry run). */
async function stageAlone(d: Deploy, host: HostRun): Promise<void> {
	const strategy = strategyFor(host.host);
	const upload = prepareUpload(d, host);
	const stdin = upload.body ? Readable.from(concatStreams(upload.header, upload.body)) : upload.header;
	const result = await host.session!.run(strategy.staging.script(strategyRun(d, host)), { stdin, signal: d.run.signal, timeoutMs: host.host.timeouts.uploadMs });
	settleStaged(d, host, await strategy.staging.settle(strategyRun(d, host), upload, result));
}

async function* concatStreams(header: string, body: Readable): AsyncGenerator<Buffer> {
	yield Buffer.from(header);
	for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
}

function settleStaged(d: Deploy, host: HostRun, staged: { id: number; diff: PreparedUpload['diff']; path?: string }): void {
	const artifact = uploadArtifact(host);
	// Kept here, not sent in the event: a first deploy of a big artifact would fill every record with file names.
	host.changes = artifact && host.diff ? fileChanges(host.state!.manifest, artifact) : [];
	const warnings = warningsOf(d, host.host.name);
	host.staged = { host: host.host.name, from: host.state!.current, to: staged.id, release: d.run.release, diff: staged.diff, ...(warnings.length > 0 ? { warnings } : {}) };
	host.stagedPath = staged.path;
	d.run.emit({ type: 'staged', staged: host.staged });
}

const emptyArtifact: Artifact = { dir: '', files: [], links: [], bytes: 0 };

/**
 * A switch without an upload goes to what an earlier run staged and never switched to (e.g.
 * after a declined confirm): the newest staged or declined generation newer than current, or a
 * nix host's staged closure. It keeps the release it was built as.
 */
function pickStaged(d: Deploy, host: HostRun): void {
	const state = host.state!;
	const none = { added: 0, changed: 0, removed: 0, bytes: 0 };
	if (state.stagedPath) {
		const id = Math.max(0, ...state.generations.map((generation) => generation.id)) + 1;
		host.staged = { host: host.host.name, from: state.current, to: id, release: state.stagedPath.release, diff: none };
		host.stagedPath = state.stagedPath.path;
	} else {
		const pending = pendingGeneration(state);
		if (!pending) throw new HostFailure(`nothing staged to switch to: no staged generation newer than ${state.current ?? '(none)'}; run the upload phase first`);
		host.staged = { host: host.host.name, from: state.current, to: pending.id, release: pending.release, diff: none };
	}
	d.run.emit({ type: 'staged', staged: host.staged });
}

async function confirmAndSwitch(d: Deploy): Promise<void> {
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
	const answer = await request.confirm(hosts, stagedLook(staged));
	run.emit({ type: 'confirm', hosts, answer });
	if (!answer || run.cancelled) {
		await leaveStaged(staged, run.cancelled ? 'not switched (cancelled)' : 'not switched (confirmation declined)');
		return;
	}
	const config: WaveConfig = { ...request.config.waves, ...definedOnly(request.waves ?? {}) };
	const waves = planWaves(staged, config);
	const switched: HostRun[] = [];
	for (const [index, wave] of waves.entries()) {
		run.emit({ type: 'wave', index: index + 1, total: waves.length, hosts: wave.map((host) => host.host.name), canary: index === 0 && config.canary > 0 });
		await run.each(wave, (host) => switchHost(d, host));
		switched.push(...wave);
		const remaining = waves.slice(index + 1).flat();
		if (remaining.length === 0) break;
		const failed = switched.filter((host) => host.switchOutcome !== 'ok').map((host) => host.host.name);
		const stop =
			stopReason(config, index, failed.length, failed) ??
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
	const cleanupScript = (ids: readonly number[]) => script(strategyFor(host.host).prune(host.host, ids), releaseLock(host.host.root, run.runId), strategyFor(host.host).readCurrent(host.host));
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
			finish: () => cleanupScript(prune(to, { [to]: 'live' })),
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
		await cleanup(d, host, prune(current, changes), current, result.finished === true);
	}
	await run.end(host, result.outcome, result.reason);
}

/**
 * Prunes per the keep rule, releases the lock and reads `current` back, in one round trip — or
 * none, when the switch's last round trip already did (`done`).
 */
async function cleanup(d: Deploy, host: HostRun, prune: readonly number[], current: number, done: boolean): Promise<void> {
	const { run, request } = d;
	const strategy = strategyFor(host.host);
	await inPhase(run.emit, host, 'cleanup', async () => {
		if (!done) {
			const result = await host.session!.must(script(strategy.prune(host.host, prune), releaseLock(host.host.root, run.runId), strategy.readCurrent(host.host)), 'cleanup');
			host.readBack = strategy.parseCurrent(result.markers) ?? host.readBack;
		}
		host.locked = false;
		host.lockSent = false;
		if (prune.length > 0) host.session!.info(`removed generation${prune.length > 1 ? 's' : ''} ${prune.join(', ')} (keep = ${request.config.app.keep})`);
		const generations = host.state!.generations.filter((generation) => !prune.includes(generation.id)).map((generation) => ({ ...generation, current: generation.id === current }));
		run.emit({ type: 'generations', host: host.host.name, current, generations });
	});
}

function throwIfCancelled(signal?: AbortSignal): void {
	if (signal?.aborted) throw new HostFailure('cancelled');
}
