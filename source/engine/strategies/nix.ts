import { execa } from 'execa';
import type { Artifact } from '../artifact.js';
import type { GenerationInfo } from '../events.js';
import { HostFailure } from '../host-session.js';
import { nextGenerationId, parseHostState, type HostState } from '../host-state.js';
import { checkStorePath, deleteNixGenerations, dryActivate, exportClosure, importClosure, inspectNixHost, listNixGenerations, switchNixProfile } from '../remote/nix.js';
import { fillTemplate } from '../remote/quote.js';
import { runConfiguredDryRun } from './run-dry-run.js';
import type { Strategy, StrategyRun } from './strategy.js';

/**
 * pantherOS: a Nix build per host; the closure copied to the host when it isn't there;
 * dry-activate as the dry run; `nix-env --set` + switch-to-configuration to switch; the
 * profile's generations are the host's generations.
 */
export const nixStrategy: Strategy = {
	inspect: (host) => inspectNixHost(host.root, host.profile),
	list: (host) => listNixGenerations(host.root, host.profile),
	parseState: parseNixState,
	diff: () => undefined,

	async dryRun(run, state, artifact) {
		if (artifact) {
			const storePath = requireStorePath(artifact);
			await ensureClosure(run, storePath);
			run.session.info(`$ ${dryActivate(storePath)}`);
			await run.session.must(dryActivate(storePath), 'dry-activate failed', { signal: run.signal });
		}
		await runConfiguredDryRun(run, run.session.host, state);
	},

	async stage(run, state, artifact) {
		const storePath = requireStorePath(artifact);
		await ensureClosure(run, storePath);
		return { id: nextGenerationId(state), path: storePath, diff: { added: 0, changed: 0, removed: 0, bytes: 0 } };
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
			afterSwitch: target.host.afterSwitch.map((hook) => fillTemplate(hook, { host: target.host.name, root: target.host.root, release: target.release })),
		}),

	prune: (host, ids) => deleteNixGenerations(host.profile, ids),
};

function requireStorePath(artifact: Artifact): string {
	if (!artifact.storePath) throw new HostFailure(`the artifact ${artifact.dir} is not a Nix store path (build with nix-build -o <artifact>)`);
	return artifact.storePath;
}

/** Copies the closure unless the host already has it: `nix-store --export | nix-store --import`. */
async function ensureClosure(run: StrategyRun, storePath: string): Promise<void> {
	const { session } = run;
	if ((await session.run(checkStorePath(storePath))).code === 0) return;
	session.info(`copying the closure of ${storePath}`);
	const exporter = execa('sh', ['-c', exportClosure(storePath)], { buffer: false, stdin: 'ignore', cancelSignal: run.signal, reject: false });
	const result = await session.run(importClosure(), { stdin: exporter.stdout!, signal: run.signal });
	const exported = await exporter;
	if (exported.exitCode !== 0) throw new HostFailure(`nix-store --export failed here (exit ${exported.exitCode})`);
	if (result.code !== 0) throw new HostFailure(`copying the closure failed: ${result.stderr.trim().split('\n').at(-1) ?? `exit ${result.code}`}`);
}

/** `   3   2026-11-21 23:40:00   (current)` lines, joined with Switchyard's metadata by id. */
export function parseNixState(result: Parameters<Strategy['parseState']>[0]): HostState {
	const recorded = parseHostState({ markers: result.markers.filter((line) => !line.startsWith('current ')), blocks: result.blocks });
	const byId = new Map(recorded.generations.map((generation) => [generation.id, generation]));
	let current: number | null = null;
	const generations: GenerationInfo[] = [];
	for (const line of result.markers) {
		const match = /^nixgen\s+(\d+)\s+(\S+ \S+)\s*(\(current\))?/.exec(line);
		if (!match) continue;
		const id = Number(match[1]);
		if (match[3]) current = id;
		const meta = byId.get(id);
		generations.push({
			id,
			release: meta?.release ?? `nix generation ${id}`,
			created: meta?.created ?? `${match[2]!.replace(' ', 'T')}`,
			by: meta?.by ?? '?',
			bytes: 0,
			files: 0,
			current: Boolean(match[3]),
		});
	}
	return { current, generations: generations.map((generation) => ({ ...generation, current: generation.id === current })), freeKb: recorded.freeKb, manifest: null };
}
