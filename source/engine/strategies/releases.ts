import path from 'node:path';
import { Readable } from 'node:stream';
import type { HostConfig } from '../../config/types.js';
import { diffArtifact, withoutShared, type Artifact, type ArtifactDiff } from '../artifact.js';
import { activation, type Skips } from '../activation.js';
import { generationArchive } from '../generation-archive.js';
import { envFileText } from '../generation-env.js';
import { failureReason, HostFailure } from '../host-session.js';
import { nextGenerationId, type HostState } from '../host-state.js';
import { pruneGenerations } from '../remote/cleanup.js';
import { markGenerationStatus } from '../remote/generation-status.js';
import { inspectHost, listGenerations, parseCurrent, parseHostState, readCurrent } from '../remote/inspect.js';
import { layout } from '../remote/layout.js';
import { discardPartial, readStaged, readStageFailure, stageFromHeader, stageHeader } from '../remote/stage.js';
import { activateCurrent, swapCurrent } from '../remote/switch.js';
import { giveStagedGeneration, requireAccounts, type AccountsInput } from '../remote/deploy-user.js';
import { script } from '../remote/quote.js';
import { activationPreviewScript, describeActivation } from './activation-preview.js';
import { runConfiguredDryRun } from './run-dry-run.js';
import { fillValue, templateValues } from '../template-values.js';
import type { PreparedUpload, Staged, Strategy, StrategyRun } from './strategy.js';
import type { ScriptResult } from '../host-session.js';
import { pullArchive } from '../object-store/pull-archive.js';
import { pullIntoPartial } from '../remote/pull.js';
import { isPullUpload, preparePull, settlePull } from './pull-staging.js';

/** Capistrano-style: generations/N dirs, an atomic `current` link, shared dirs, .env. */
export const releasesStrategy: Strategy = {
	inspect: (host) => script(inspectHost(host.root), requireAccounts(accountsOf(host))),
	list: (host) => listGenerations(host.root),
	parseState: parseHostState,
	readCurrent: (host) => readCurrent(host.root),
	parseCurrent,
	// What lies under a shared dir is never shipped (see withoutShared); a mode change is a change.
	diff: (host, state, artifact) => diffArtifact(state.manifest, withoutShared(artifact, host.shared), state.modes ?? null),
	requirements: activationRequirements,
	dryRun: (run, state) => runConfiguredDryRun(run, state, templateValues),
	hasDryRun: (host) => host.dryRun !== undefined,
	deploysWithoutArtifact: false,
	stepsInOutput: false,

	staging: {
		script: (run) => script(stageFromHeader({ root: run.session.host.root, shared: run.session.host.shared, ...(run.store && run.session.host.pull !== 'never' ? { pull: pullIntoPartial() } : {}) }), ownership(run.session.host)),
		prepare,
		settle,
	},
	preview: { script: activationPreviewScript, describe: describeActivation },
	declaredSteps: () => [],

	switchScript: (target) =>
		[
			swapCurrent({ root: target.host.root, to: target.to, operator: target.operator, reason: target.reason, release: target.release, at: target.at, failedBy: target.failedBy }),
			activateCurrent(activation(target.host, target.skips, templateValues(target.host, { release: target.release, generation: target.to }))),
		].join('\n'),

	prune: (host, ids) => pruneGenerations(host.root, ids),
	templateValues: (host, context) => templateValues(host, context),
	markStatus: (host, id, status, at) => markGenerationStatus(layout(host.root).generation(id), status, at),
};

/**
 * Who the generations belong to: the deployment's `user`, else the user a deploy script runs as
 * (it reads the generation's `.env`, 0600). Undefined: whoever logs in.
 */
export const ownerOf = (host: HostConfig): string | undefined => host.user ?? host.runAs;

/**
 * The accounts a host's switch acts as (`user`, `run_as`), and what it does as root (binaries,
 * frontend, runners; giving the generations to their owner): checked in the preflight.
 */
export function accountsOf(host: HostConfig): AccountsInput {
	const owner = ownerOf(host);
	const runners = host.mode === 'multi-user' ? host.runners : [];
	return {
		root: host.root,
		...(host.become === undefined ? {} : { become: host.become }),
		accounts: [...(host.user === undefined ? [] : [{ name: host.user, key: 'user' as const }]), ...(host.runAs === undefined ? [] : [{ name: host.runAs, key: 'run_as' as const }])],
		asRoot: [...(host.binaries.length > 0 ? [`binaries → ${host.binPrefix}`] : []), ...(host.frontend && host.webRoot ? [`frontend → ${host.webRoot}`] : []), ...(runners.length > 0 ? [`ending ${runners.join(', ')}`] : [])],
		...(owner === undefined ? {} : { owner }),
	};
}

/**
 * Appended to the stage script, which has just moved `generations/$id` into place (or ended
 * early, staging nothing): the generation and the shared dirs become the owner's.
 */
function ownership(host: HostConfig): string | false {
	const owner = ownerOf(host);
	return owner !== undefined && giveStagedGeneration(host.root, owner, host.shared, host.become === undefined ? {} : { become: host.become });
}

/**
 * What activation takes from the generation: each binary in bin_dir, the frontend dir when the
 * frontend is deployed. A missing one would fail only after `current` moved (and fail the
 * automatic rollback the same way), so it is refused before anything is staged.
 */
export function activationRequirements(host: HostConfig, artifact: Artifact, skips: Skips): string[] {
	const files = new Set(artifact.files.map((file) => file.path));
	const links = new Set(artifact.links.map((link) => link.path));
	const has = (file: string) => files.has(file) || links.has(file);
	const inside = (dir: string) => artifact.files.some((file) => file.path.startsWith(`${dir}/`)) || links.has(dir);
	const plan = activation(host, skips, {});
	const problems = plan.binaries.map((binary) => path.posix.join(host.binDir, binary)).filter((file) => !has(file)).map((file) => `the artifact has no ${file} (binaries = [${host.binaries.map((name) => JSON.stringify(name)).join(', ')}])`);
	if (plan.frontend && !inside(host.frontendDir)) problems.push(`the artifact has no ${host.frontendDir}/ for the frontend (frontend_dir = "${host.frontendDir}")`);
	return problems;
}

/**
 * The next generation's number, what it can reuse, and how it travels: the tar that carries it
 * (push), or, for a host that pulls, links to the store's objects and a tar of the rest.
 */
function prepare(run: StrategyRun, state: HostState, artifact: Artifact, diff: ArtifactDiff): PreparedUpload {
	const host = run.session.host;
	const id = nextGenerationId(state);
	const reuseFrom = state.current !== null && diff.unchanged.size > 0 ? state.current : null;
	const created = new Date().toISOString();
	const archive = {
		artifact,
		metadata: { id, release: run.release, created, by: run.operator, rev: run.rev, host: host.name, files: artifact.files.length, bytes: artifact.bytes },
		env: envFileText(generationEnv(host, run.release, id)),
		unchanged: reuseFrom === null ? new Set<string>() : diff.unchanged,
		shared: host.shared,
		status: 'staged' as const,
	};
	const summary = { added: diff.added, changed: diff.changed, removed: diff.removed, bytes: diff.bytes };
	const push = (): PreparedUpload => ({ id, header: stageHeader(id, reuseFrom), body: generationArchive(archive), diff: summary });
	if (!run.store || host.pull === 'never' || artifact.files.length === 0) return push();
	const listed = withoutShared(artifact, host.shared).files;
	return preparePull({ store: run.store, id, reuseFrom, artifact, listed, unchanged: archive.unchanged, diff: summary, skeleton: () => pullArchive(archive), push });
}

/**
 * What a generation's `.env` holds: Switchyard's own values, then the host's env, whose plain
 * values may name the template values (`TAKO_BUILD = "{release}"`). Secrets go in as they are.
 */
export function generationEnv(host: HostConfig, release: string, id: number): Record<string, string> {
	const values = templateValues(host, { release, generation: id });
	const unresolved = Object.entries(host.env).filter(([, value]) => value.from).map(([key]) => key);
	// Resolved once per run before any host is touched; an empty one must never reach a host.
	if (unresolved.length > 0) throw new HostFailure(`${unresolved.join(', ')}: not resolved on this machine — nothing was staged`);
	return {
		SWITCHYARD_RELEASE: release,
		SWITCHYARD_GENERATION: String(id),
		SWITCHYARD_HOST: host.name,
		...Object.fromEntries(Object.entries(host.env).map(([key, value]) => [key, value.secret ? value.value : fillValue(value.value, values)])),
	};
}

/** A staged generation, or a failure with the `.partial` removed. */
async function settle(run: StrategyRun, upload: PreparedUpload, result: ScriptResult): Promise<Staged> {
	if (isPullUpload(upload)) return settlePull(run, upload, result, stageAgain);
	const { session, signal } = run;
	if (result.code !== 0 || !readStaged(result.markers, upload.id)) {
		await session.run(discardPartial(session.host.root, upload.id)).catch(() => undefined);
		if (signal?.aborted) throw new HostFailure('cancelled during upload; partial generation removed');
		const why = readStageFailure(result.markers);
		throw new HostFailure(`upload of generation ${upload.id} failed: ${why ?? failureReason(result)}`);
	}
	return { id: upload.id, diff: upload.diff };
}

/** The stage script again, in a round trip of its own: a pull's retry, or the push after it. */
async function stageAgain(run: StrategyRun, upload: PreparedUpload): Promise<Staged> {
	const stdin = upload.body ? Readable.from(headerThen(upload.header, upload.body)) : upload.header;
	const result = await run.session.run(releasesStrategy.staging.script(run), { stdin, signal: run.signal, timeoutMs: run.session.host.timeouts.uploadMs });
	return settle(run, upload, result);
}

async function* headerThen(header: string, body: Readable): AsyncGenerator<Buffer> {
	yield Buffer.from(header);
	for await (const chunk of body) yield chunk as Buffer;
}
