import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { Artifact } from './artifact.js';
import { artifactDigest } from './artifact-digest.js';
import { buildArtifact } from './build.js';
import { HostFailure } from './host-session.js';
import { inPhase, type HostRun } from './lifecycle/host-run.js';
import { type Deploy } from './deploy-run.js';

// The build phase of a deploy: one shared build, or per-host builds at their own concurrency.

/**
 * Per-host builds are this machine's work, not the hosts': they run at most `--jobs` (else
 * `[build] jobs`, else the CPU count, as pantherOS's build-all.sh does) at once, whatever the
 * hosts' own concurrency; each host's staging starts as soon as its build is done.
 */
export function startBuilds(d: Deploy): void {
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
export async function sharedBuild(d: Deploy): Promise<boolean> {
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
	const work = () => buildArtifact({ build, ...(host ? { host: host.host.name } : {}), release: run.release, emit: run.emit, signal: run.signal, run: runBuild });
	const artifact = runBuild ? await inPhase(run.emit, host, 'build', work) : await work();
	const digest = artifactDigest(artifact);
	run.emit({ type: 'artifact', host: host?.host.name ?? null, digest, files: artifact.files.length, bytes: artifact.bytes });
	const expected = request.reuse?.digests[host?.host.name ?? ''];
	if (expected !== undefined && expected !== digest) throw new HostFailure(`the artifact ${artifact.dir} changed since run ${request.reuse!.runId}; deploy it as a new release instead of retrying`);
	return artifact;
}
