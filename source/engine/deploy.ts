import type { RunSummary } from './events.js';
import { HostFailure } from './host-session.js';
import { inPhase } from './lifecycle/host-run.js';
import { resolvePhases } from './plan.js';
import { makeRelease } from './release.js';
import type { DeployRequest } from './requests.js';
import { runFleet } from './run-fleet.js';
import { describeMissing, needsResolving, resolveValues } from './secrets.js';
import type { Deploy } from './deploy-run.js';
import { startBuilds, sharedBuild } from './deploy-build.js';
import { stageHost } from './deploy-stage.js';
import { confirmAndSwitch } from './deploy-switch.js';
import { keepingArtifact } from './dry-run-artifact.js';
import { checkStore, startStoreSync } from './object-store/deploy-store.js';

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
			work: (run) => keepingArtifact(request, phases, run.emit, () => deploy({ run, request, phases, readOnly: !phases.includes('upload') && !phases.includes('switch'), missing: values.missing })),
		},
	);
}

async function deploy(d: Deploy): Promise<void> {
	const { run, phases } = d;
	await failMissingValues(d);
	await checkStore(d);
	// Nobody left to build for (every host misses a secret, or the store it pulls from): nothing runs, not even the build.
	if (run.hosts.every((host) => host.ended)) return;
	try {
		if (!(await sharedBuild(d))) return;
		startStoreSync(d);
		startBuilds(d);
		await run.each(run.hosts, (host) => stageHost(d, host));
		if (phases.includes('switch')) await confirmAndSwitch(d);
		await Promise.all(run.hosts.map((host) => run.end(host, 'ok')));
	} finally {
		d.store?.close();
	}
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
