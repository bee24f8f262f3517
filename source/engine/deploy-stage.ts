import { PassThrough, Readable } from 'node:stream';
import type { Artifact } from './artifact.js';
import { diffArtifact, linksLeavingArtifact } from './artifact.js';
import { HostFailure, type HostSession, type ScriptResult } from './host-session.js';
import { nextGenerationId, pendingGeneration, type HostState } from './host-state.js';
import { expectState, inspected, staged, type Inspected } from './lifecycle/host-lifecycle.js';
import { inPhase, type HostRun } from './lifecycle/host-run.js';
import { lockScript, reportLock, preflightScript } from './lifecycle/lock-host.js';
import { declineStage, isReady } from './remote/stage.js';
import { script } from './remote/quote.js';
import type { PreparedUpload } from './strategies/strategy.js';
import type { StagedHost } from './events.js';
import { formatBytes } from './format-bytes.js';
import { noSkips } from './activation.js';
import { type Deploy, strategyRun, uploadArtifact, throwIfCancelled } from './deploy-run.js';

/** Preflight and upload of a deploy, per host: artifact checks, lock, state, dry run, staging. */
export async function stageHost(d: Deploy, host: HostRun): Promise<void> {
	const { run, request, phases } = d;
	const built = d.builds?.get(host);
	const artifact = built ? await built : d.sharedArtifact;
	const upload = uploadArtifact(host, artifact);
	throwIfCancelled(run.signal);
	if (upload && (phases.includes('upload') || phases.includes('preflight'))) {
		const problems = [...host.strategy.requirements(host.host, upload, request.skips ?? noSkips), ...externalLinks(host, upload)];
		// Checked here, before the host is even contacted: a missing file would otherwise fail only after `current` moved.
		if (problems.length > 0) {
			const reason = `${problems.join('; ')} — nothing was staged`;
			await inPhase(run.emit, host, 'preflight', () => Promise.reject(new HostFailure(reason)));
		}
	}
	if (canStreamUpload(d, host, upload)) {
		await preflightAndUpload(d, host, artifact);
		return;
	}
	if (phases.includes('preflight')) await inPhase(run.emit, host, 'preflight', () => preflight(d, host, artifact));
	throwIfCancelled(run.signal);
	if (!phases.includes('upload') && !phases.includes('switch')) return;
	// Both need the preflight (resolvePhases adds it): the host is inspected now.
	const read = expectState(host.state, 'inspected', host.host.name);
	if (read.state.alreadyLive && phases.includes('upload')) {
		// Staging it again would make no new generation to switch to (nix-env --set to its own path).
		const live = `generation ${read.state.current} already runs this build`;
		read.session.info(`${live}: nothing to stage or switch`);
		await run.end(host, 'ok', live);
		return;
	}
	if (phases.includes('upload')) await inPhase(run.emit, host, 'upload', () => stageAlone(d, host, read, artifact));
	else pickStaged(d, host, read);
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
function canStreamUpload(d: Deploy, host: HostRun, upload: Artifact | undefined): boolean {
	return d.phases.includes('preflight') && d.phases.includes('upload') && !host.strategy.hasDryRun(host.host) && upload !== undefined;
}

/**
 * One script: lock, inspect, then the strategy's staging, waiting. When the host's state is in,
 * the engine checks disk and diff and answers with the new generation's header and bytes on the
 * same stdin; on any objection it answers "no" and the script ends with nothing staged.
 */
async function preflightAndUpload(d: Deploy, host: HostRun, artifact: Artifact | undefined): Promise<void> {
	const { run } = d;
	const config = host.host;
	const { strategy } = host;
	const stdin = new PassThrough();
	let ready: (soFar: Pick<ScriptResult, 'markers' | 'blocks'>) => void = () => {};
	const whenReady = new Promise<Pick<ScriptResult, 'markers' | 'blocks'>>((resolve) => (ready = resolve));

	const { running, read } = await inPhase(run.emit, host, 'preflight', async () => {
		const session = await host.connect(run.context.openTransport, run.emit);
		const text = lockScript(run, host, script(strategy.inspect(config, uploadArtifact(host, artifact)), strategy.staging.script(strategyRun(d, session))));
		const running = session.run(text, { stdin, signal: run.signal, timeoutMs: config.timeouts.uploadMs, onMarker: (line, soFar) => isReady(line) && ready(soFar) });
		// The script ends before "ready" when the lock is held or a tool is missing: that is the answer then.
		const early = running.then((result) => {
			reportLock(host, session, result);
			throw new HostFailure('preflight: the host ended the script before it was ready');
		});
		early.catch(() => undefined);
		try {
			const soFar = await Promise.race([whenReady, early]);
			reportLock(host, session, { markers: soFar.markers, code: 0, stderr: '', stdout: '' });
			const read = checkHostState(d, host, session, strategy.parseState(soFar), artifact);
			declareSteps(d, host, soFar);
			throwIfCancelled(run.signal);
			// Wrapped: returning the promise itself would make the phase wait for the whole script.
			return { running, read };
		} catch (error) {
			stdin.end(declineStage);
			await running.catch(() => undefined);
			throw error;
		}
	});

	await inPhase(run.emit, host, 'upload', async () => {
		let upload: PreparedUpload;
		try {
			upload = prepareUpload(d, host, read, artifact);
		} catch (error) {
			// The host waits for an answer on stdin: "no", or it would wait until the deadline.
			stdin.end(declineStage);
			await running.catch(() => undefined);
			throw error;
		}
		stdin.write(upload.header);
		if (upload.body) upload.body.on('error', (error) => stdin.destroy(error)).pipe(stdin);
		else stdin.end();
		settleStaged(d, host, read, await strategy.staging.settle(strategyRun(d, read.session), upload, await running));
	});
}

/**
 * Preflight on its own: the lock (none for a read-only run), the host's state, the dry run. A
 * dry run (read-only) also reads what a switch would replace, in the same round trip, and says
 * what a deploy would do on the host.
 */
async function preflight(d: Deploy, host: HostRun, artifact: Artifact | undefined): Promise<void> {
	const { run, request } = d;
	const config = host.host;
	const { strategy } = host;
	const skips = request.skips ?? noSkips;
	const session = await host.connect(run.context.openTransport, run.emit);
	const inspect = strategy.inspect(config, artifact);
	const result = await session.run(d.readOnly ? preflightScript(host, script(inspect, strategy.preview.script(config, skips))) : lockScript(run, host, inspect), { signal: run.signal });
	reportLock(host, session, result, d.readOnly);
	const { state } = checkHostState(d, host, session, strategy.parseState(result), artifact);
	declareSteps(d, host, result);
	if (state.alreadyLive && !d.readOnly) return;
	await strategy.dryRun(strategyRun(d, session), state, artifact);
	if (!d.readOnly) return;
	const app = request.config.app;
	for (const line of strategy.preview.describe({ host: config, state, ...(artifact ? { artifact } : {}), skips, release: run.release, result, app })) session.info(line);
	session.info('nothing was changed (dry run)');
}

/** Steps a deploy script declares (FastDeploy's config.json) show as pending from the preflight on. */
function declareSteps(d: Deploy, host: HostRun, result: Pick<ScriptResult, 'markers' | 'blocks'>): void {
	for (const name of host.strategy.declaredSteps(result)) d.run.emit({ type: 'step', host: host.host.name, name, state: 'pending' });
}

/** The host is inspected: what it has and what the artifact would change, shown; a host without room for the upload is refused. */
function checkHostState(d: Deploy, host: HostRun, session: HostSession, state: HostState, artifact: Artifact | undefined): Inspected {
	const config = host.host;
	const diff = artifact && host.strategy.diff(config, state, artifact);
	const read = inspected(session, state, diff);
	host.state = read;
	d.run.emit({ type: 'generations', host: config.name, current: state.current, generations: [...state.generations] });
	if (!artifact) return read;
	if (diff) {
		const { added, changed, removed, bytes } = diff;
		session.info(`diff against generation ${state.current ?? '(none)'}: +${added} ~${changed} -${removed}, ${formatBytes(bytes)} to send`);
	}
	const neededKb = Math.ceil(((diff?.bytes ?? 0) * 1.1) / 1024) + config.minFreeMb * 1024;
	if (state.freeKb !== undefined && state.freeKb < neededKb) {
		throw new HostFailure(`disk full: ${formatBytes(state.freeKb * 1024)} free under ${config.root}, need ${formatBytes(neededKb * 1024)} (min_free_mb = ${config.minFreeMb})`);
	}
	return read;
}

function prepareUpload(d: Deploy, host: HostRun, read: Inspected, artifact: Artifact | undefined): PreparedUpload {
	const upload = uploadArtifact(host, artifact);
	if (!upload) throw new HostFailure('nothing to upload: no [build] artifact in the config');
	return host.strategy.staging.prepare(strategyRun(d, read.session), read.state, upload, read.diff ?? diffArtifact(null, upload));
}

/** The staging script in a round trip of its own (after a dry run). */
async function stageAlone(d: Deploy, host: HostRun, read: Inspected, artifact: Artifact | undefined): Promise<void> {
	const { strategy } = host;
	const upload = prepareUpload(d, host, read, artifact);
	const stdin = upload.body ? Readable.from(concatStreams(upload.header, upload.body)) : upload.header;
	const result = await read.session.run(strategy.staging.script(strategyRun(d, read.session)), { stdin, signal: d.run.signal, timeoutMs: host.host.timeouts.uploadMs });
	settleStaged(d, host, read, await strategy.staging.settle(strategyRun(d, read.session), upload, result));
}

async function* concatStreams(header: string, body: Readable): AsyncGenerator<Buffer> {
	yield Buffer.from(header);
	for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
}

function settleStaged(d: Deploy, host: HostRun, read: Inspected, result: { id: number; diff: PreparedUpload['diff']; path?: string }): void {
	const warnings = d.run.warningsOf(host.host.name);
	const generation: StagedHost = { host: host.host.name, from: read.state.current, to: result.id, release: d.run.release, diff: result.diff, ...(warnings.length > 0 ? { warnings } : {}) };
	// The files behind the diff stay here, not in the event: a first deploy of a big artifact would fill every record with file names.
	host.state = staged(read, generation, result.path, read.diff?.changes ?? []);
	d.run.emit({ type: 'staged', staged: generation });
}

/**
 * A switch without an upload goes to what an earlier run staged and never switched to (e.g.
 * after a declined confirm): the newest staged or declined generation newer than current, or a
 * nix host's staged closure. It keeps the release it was built as.
 */
function pickStaged(d: Deploy, host: HostRun, read: Inspected): void {
	const generation = stagedEarlier(host.host.name, read.state);
	host.state = staged(read, generation, read.state.stagedPath?.path);
	d.run.emit({ type: 'staged', staged: generation });
}

function stagedEarlier(name: string, state: HostState): StagedHost {
	const none = { added: 0, changed: 0, removed: 0, bytes: 0 };
	if (state.stagedPath) return { host: name, from: state.current, to: nextGenerationId(state), release: state.stagedPath.release, diff: none };
	const pending = pendingGeneration(state);
	if (!pending) throw new HostFailure(`nothing staged to switch to: no staged generation newer than ${state.current ?? '(none)'}; run the upload phase first`);
	return { host: name, from: state.current, to: pending.id, release: pending.release, diff: none };
}
