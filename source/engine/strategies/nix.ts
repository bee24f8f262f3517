import { execa } from 'execa';
import type { Artifact } from '../artifact.js';
import { failureReason, HostFailure } from '../host-session.js';
import { nextGenerationId, type HostState } from '../host-state.js';
import { nextGeneration } from './activation-preview.js';
import { parseCurrent } from '../remote/inspect.js';
import {
	checkStorePath,
	deleteNixGenerations,
	dryActivate,
	exportClosure,
	importClosure,
	inspectNixHost,
	listNixGenerations,
	markNixStatus,
	nixStageHeader,
	parseNixState,
	readNixCurrent,
	stageNix,
	switchNixProfile,
} from '../remote/nix.js';
import { fillTemplate } from '../remote/quote.js';
import { readStaged } from '../remote/stage.js';
import { runConfiguredDryRun } from './run-dry-run.js';
import { pullClosureFromStore } from './nix-pull-staging.js';
import type { Strategy, StrategyRun } from './strategy.js';
import type { TemplateContext } from '../template-values.js';
import type { HostConfig } from '../../config/types.js';
import { templateValues } from '../template-values.js';

/**
 * pantherOS: a Nix build per host; the closure copied to the host when it isn't there;
 * dry-activate as the dry run; `nix-env --set` + switch-to-configuration to switch; the
 * profile's generations are the host's generations.
 */
export const nixStrategy: Strategy = {
	inspect: (host, artifact) => inspectNixHost(host.root, host.profile, artifact?.storePath),
	list: (host) => listNixGenerations(host.root, host.profile),
	parseState: parseNixState,
	readCurrent: (host) => readNixCurrent(host.profile),
	parseCurrent,
	diff: () => undefined,
	requirements: (_host, artifact) => (artifact.storePath ? [] : [`the artifact ${artifact.dir} is not a Nix store path (build with nix-build -o <artifact>)`]),

	// dry-activate, as pantherOS tests a configuration before switching to it.
	hasDryRun: () => true,
	deploysWithoutArtifact: false,
	stepsInOutput: false,
	async dryRun(run, state, artifact) {
		if (artifact) {
			const storePath = requireStorePath(artifact);
			await ensureClosure(run, storePath, state);
			run.session.info(`$ ${dryActivate(storePath)}`);
			await run.session.must(dryActivate(storePath), 'dry-activate failed', { signal: run.signal, timeoutMs: run.session.host.timeouts.dryRunMs });
		}
		await runConfiguredDryRun(run, state, nixValues);
	},

	preview: {
		script: () => '',
		describe: (input) => {
			const storePath = input.artifact?.storePath;
			const where = input.state.closurePresent ? 'was on the host already' : copied.has(input.state) ? 'was copied to the host for dry-activate (store paths only, nothing switched)' : 'is not on the host (a deploy copies it)';
			return [`would set ${input.host.profile} to ${nextGeneration(input)}`, ...(storePath ? [`${storePath}: its closure ${where}`] : [])];
		},
	},
	declaredSteps: () => [],

	staging: {
		script: (run) => stageNix(run.session.host.root, run.operator, run.release, new Date().toISOString()),
		prepare(run, state, artifact) {
			const storePath = requireStorePath(artifact);
			// The dry run copied it already (dry-activate needs it there): never twice.
			const present = state.closurePresent === true || copied.has(state);
			const id = nextGenerationId(state);
			const body = present ? undefined : execa('sh', ['-c', exportClosure(storePath)], { buffer: false, stdin: 'ignore', cancelSignal: run.signal, reject: false }).stdout!;
			if (!present) run.session.info(`copying the closure of ${storePath}`);
			return { id, header: nixStageHeader(id, storePath, present), ...(body ? { body } : {}), diff: { added: 0, changed: 0, removed: 0, bytes: 0 }, path: storePath };
		},
		async settle(run, upload, result) {
			if (result.code !== 0 || !readStaged(result.markers, upload.id)) {
				if (run.signal?.aborted) throw new HostFailure('cancelled while copying the closure');
				throw new HostFailure(`copying the closure failed: ${failureReason(result)}`);
			}
			return { id: upload.id, diff: upload.diff, path: upload.path };
		},
	},

	switchScript: (target) =>
		switchNixProfile({
			root: target.host.root,
			profile: target.host.profile,
			to: target.to,
			path: target.path,
			reason: target.reason,
			release: target.release,
			operator: target.operator,
			at: target.at,
			host: target.host.name,
			failedBy: target.failedBy,
			afterSwitch: target.host.afterSwitch.map((hook) => fillTemplate(hook, nixValues(target.host, { release: target.release, generation: target.to }))),
		}),

	prune: (host, ids) => deleteNixGenerations(host.profile, ids),
	markStatus: (host, id, status, at) => markNixStatus(host.root, id, status, at),
	templateValues: (host, context) => nixValues(host, context),
};

/** A nix host's live system is its profile, not a `current` link. */
const nixValues = (host: HostConfig, context: TemplateContext) => templateValues(host, context, host.profile);

function requireStorePath(artifact: Artifact): string {
	if (!artifact.storePath) throw new HostFailure(`the artifact ${artifact.dir} is not a Nix store path (build with nix-build -o <artifact>)`);
	return artifact.storePath;
}

/** Host states (one per host and run) whose closure the dry run copied: the staging sends it no second time. */
const copied = new WeakSet<HostState>();

/**
 * Copies the closure unless the host already has it (the dry run needs it there): from the object
 * store when the host pulls, else (or when it cannot reach the store) `nix-store --export | nix-store --import`.
 */
async function ensureClosure(run: StrategyRun, storePath: string, state: HostState): Promise<void> {
	const { session } = run;
	if (state.closurePresent) return;
	if ((await session.run(checkStorePath(storePath))).code === 0 || (await pullClosureFromStore(run, storePath))) {
		copied.add(state);
		return;
	}
	session.info(`copying the closure of ${storePath}`);
	const exporter = execa('sh', ['-c', exportClosure(storePath)], { buffer: false, stdin: 'ignore', cancelSignal: run.signal, reject: false });
	const result = await session.run(importClosure(), { stdin: exporter.stdout!, signal: run.signal, timeoutMs: session.host.timeouts.uploadMs });
	const exported = await exporter;
	if (exported.exitCode !== 0) throw new HostFailure(`nix-store --export failed here (exit ${exported.exitCode})`);
	if (result.code !== 0) throw new HostFailure(`copying the closure failed: ${failureReason(result)}`);
	copied.add(state);
}
