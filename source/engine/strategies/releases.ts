import { diffArtifact } from '../artifact.js';
import { envFileText, generationArchive } from '../generation-archive.js';
import { HostFailure } from '../host-session.js';
import { nextGenerationId, parseHostState } from '../host-state.js';
import { pruneGenerations } from '../remote/cleanup.js';
import { inspectHost, listGenerations } from '../remote/inspect.js';
import { discardPartial, stageFromHeader, stageGeneration } from '../remote/stage.js';
import { activateCurrent, swapCurrent } from '../remote/switch.js';
import { activation } from '../activation.js';
import { runConfiguredDryRun } from './run-dry-run.js';
import type { PreparedUpload, Staged, Strategy, StrategyRun } from './strategy.js';
import type { Artifact, ArtifactDiff } from '../artifact.js';
import type { HostState } from '../host-state.js';
import type { ScriptResult } from '../host-session.js';

/** Capistrano-style: generations/N dirs, an atomic `current` link, shared dirs, .env. */
export const releasesStrategy: Strategy = {
	inspect: (host) => inspectHost(host.root),
	list: (host) => listGenerations(host.root),
	parseState: parseHostState,
	diff: (state, artifact) => diffArtifact(state.manifest, artifact),
	dryRun: (run, state) => runConfiguredDryRun(run, run.session.host, state),

	async stage(run, state, artifact, diff) {
		const upload = prepareUpload(run, state, artifact, diff);
		const host = run.session.host;
		const result = await run.session.run(stageGeneration({ root: host.root, id: upload.id, reuseFrom: upload.reuseFrom, shared: host.shared }), { stdin: upload.archive, signal: run.signal });
		return settleUpload(run, upload, result);
	},

	stageFromHeader: (host) => stageFromHeader({ root: host.root, shared: host.shared }),
	prepareUpload,
	settleUpload,

	switchScript: (target) =>
		[
			swapCurrent({ root: target.host.root, to: target.to, operator: target.operator, reason: target.reason, release: target.release, at: target.at }),
			activateCurrent(activation(target.host, target.skips, target.release)),
		].join('\n'),

	prune: (host, ids) => pruneGenerations(host.root, ids),
};

/** The next generation's number, what it can reuse, and the tar that carries it. */
function prepareUpload(run: StrategyRun, state: HostState, artifact: Artifact, diff: ArtifactDiff): PreparedUpload {
	const host = run.session.host;
	const id = nextGenerationId(state);
	const reuseFrom = state.current !== null && diff.unchanged.size > 0 ? state.current : null;
	const archive = generationArchive({
		artifact,
		metadata: { id, release: run.release, created: new Date().toISOString(), by: run.operator, rev: run.rev, host: host.name, files: artifact.files.length, bytes: artifact.bytes },
		env: envFileText({
			SWITCHYARD_RELEASE: run.release,
			SWITCHYARD_GENERATION: String(id),
			SWITCHYARD_HOST: host.name,
			...Object.fromEntries(Object.entries(host.env).map(([key, value]) => [key, value.value])),
		}),
		unchanged: reuseFrom === null ? new Set() : diff.unchanged,
	});
	return { id, reuseFrom, archive, diff: { added: diff.added, changed: diff.changed, removed: diff.removed, bytes: diff.bytes } };
}

/** A staged generation, or a failure with the `.partial` removed. */
async function settleUpload(run: StrategyRun, upload: PreparedUpload, result: ScriptResult): Promise<Staged> {
	const { session, signal } = run;
	if (result.code !== 0 || !result.markers.includes(`staged ${upload.id}`)) {
		await session.run(discardPartial(session.host.root, upload.id)).catch(() => undefined);
		if (signal?.aborted) throw new HostFailure('cancelled during upload; partial generation removed');
		const verify = result.markers.includes('verify-failed') ? 'checksum mismatch after upload' : undefined;
		throw new HostFailure(`upload of generation ${upload.id} failed: ${verify ?? (result.failure || result.stderr.trim().split('\n').at(-1) || `exit status ${result.code}`)}`);
	}
	return { id: upload.id, diff: upload.diff };
}
