import { diffArtifact } from '../artifact.js';
import { envFileText, generationArchive } from '../generation-archive.js';
import { HostFailure } from '../host-session.js';
import { nextGenerationId, parseHostState } from '../host-state.js';
import { pruneGenerations } from '../remote/cleanup.js';
import { inspectHost, listGenerations } from '../remote/inspect.js';
import { discardPartial, stageGeneration } from '../remote/stage.js';
import { activateCurrent, swapCurrent } from '../remote/switch.js';
import { activation } from '../activation.js';
import { runConfiguredDryRun } from './run-dry-run.js';
import type { Strategy } from './strategy.js';

/** Capistrano-style: generations/N dirs, an atomic `current` link, shared dirs, .env. */
export const releasesStrategy: Strategy = {
	inspect: (host) => inspectHost(host.root),
	list: (host) => listGenerations(host.root),
	parseState: parseHostState,
	diff: (state, artifact) => diffArtifact(state.manifest, artifact),
	dryRun: (run, state) => runConfiguredDryRun(run, run.session.host, state),

	async stage(run, state, artifact, diff) {
		const { session, signal } = run;
		const host = session.host;
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
		const result = await session.run(stageGeneration({ root: host.root, id, reuseFrom, shared: host.shared }), { stdin: archive, signal });
		if (result.code !== 0 || !result.markers.includes(`staged ${id}`)) {
			await session.run(discardPartial(host.root, id)).catch(() => undefined);
			if (signal?.aborted) throw new HostFailure('cancelled during upload; partial generation removed');
			const verify = result.markers.includes('verify-failed') ? 'checksum mismatch after upload' : undefined;
			throw new HostFailure(`upload of generation ${id} failed: ${verify ?? (result.failure || result.stderr.trim().split('\n').at(-1) || `exit status ${result.code}`)}`);
		}
		return { id, diff: { added: diff.added, changed: diff.changed, removed: diff.removed, bytes: diff.bytes } };
	},

	switchScript: (target) =>
		[
			swapCurrent({ root: target.host.root, to: target.to, operator: target.operator, reason: target.reason, release: target.release, at: target.at }),
			activateCurrent(activation(target.host, target.skips, target.release)),
		].join('\n'),

	prune: (host, ids) => pruneGenerations(host.root, ids),
};

