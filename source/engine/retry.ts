import type { Config, HostConfig } from '../config/types.js';
import { fingerprint } from './artifact.js';
import { artifactDigest } from './artifact-digest.js';
import { artifactDir } from './build.js';
import type { Phase } from './events.js';
import type { ReuseRelease } from './requests.js';

/** Why a retry cannot run; nothing was touched. */
export class RetryRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RetryRefused';
	}
}

export interface RetryPlan {
	readonly hosts: HostConfig[];
	readonly phases: Phase[];
	readonly reuse: ReuseRelease;
}

export interface RetrySource {
	readonly runId: string;
	readonly release: string;
	readonly phases: readonly Phase[];
	/** The hosts to deploy again (the failed ones of that run). */
	readonly hosts: readonly string[];
	readonly digests: Readonly<Record<string, string>>;
}

/**
 * A retry deploys the failed hosts of a run again with that run's release and artifact, so the
 * fleet never ends up on two releases. The artifact is fingerprinted now and must be the one
 * that run shipped; otherwise it is a new release and refused as a retry.
 */
export async function planRetry(config: Config, source: RetrySource): Promise<RetryPlan> {
	const hosts = config.hosts.filter((host) => source.hosts.includes(host.name));
	if (hosts.length === 0) throw new RetryRefused(`nothing to retry: no failed host of run ${source.runId} is in ${config.file}`);
	const build = config.build;
	if (build) {
		const keys = build.perHost ? hosts.map((host) => host.name) : [''];
		for (const key of keys) {
			const expected = source.digests[key];
			if (expected === undefined) continue;
			const dir = artifactDir(build, key || undefined);
			let digest: string;
			try {
				digest = artifactDigest(await fingerprint(dir));
			} catch {
				throw new RetryRefused(`the artifact ${dir} is gone since run ${source.runId}; deploy a new release instead`);
			}
			if (digest !== expected) throw new RetryRefused(`the artifact ${dir} changed since run ${source.runId} (it shipped ${expected.slice(0, 19)}…, now ${digest.slice(0, 19)}…); deploy it as a new release instead of retrying`);
		}
	}
	return {
		hosts,
		phases: source.phases.filter((phase) => phase !== 'build'),
		reuse: { runId: source.runId, release: source.release, digests: source.digests },
	};
}
