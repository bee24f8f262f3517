import type { Artifact } from './artifact.js';
import type { Phase } from './events.js';
import { HostFailure, type HostSession } from './host-session.js';
import type { HostRun } from './lifecycle/host-run.js';
import type { StrategyRun } from './strategies/strategy.js';
import type { DeployRequest } from './requests.js';
import type { FleetRun } from './run-fleet.js';
import type { MissingValue } from './secrets.js';
import type { RunStore } from './object-store/run-store.js';

/** One deploy: the fleet run, what was asked, and the artifact every host gets (unless built per host). */
export interface Deploy {
	readonly run: FleetRun;
	readonly request: DeployRequest;
	readonly phases: readonly Phase[];
	/** No upload and no switch: nothing on any host may change (no lock, no directories). */
	readonly readOnly: boolean;
	sharedArtifact?: Artifact;
	/** Per-host builds, started at once and run a few at a time (see `startBuilds`), apart from the hosts' own concurrency. */
	builds?: Map<HostRun, Promise<Artifact>>;
	/** Values from this machine (secrets) a host could not get: it fails its preflight, untouched. */
	readonly missing: readonly MissingValue[];
	/** The object store hosts pull from (`[store]`), once checked. */
	store?: RunStore;
}

export const strategyRun = (d: Deploy, session: HostSession): StrategyRun => ({
	session,
	release: d.run.release,
	rev: d.run.rev,
	operator: d.run.operator,
	runId: d.run.runId,
	emit: d.run.emit,
	signal: d.run.signal,
	...(d.store ? { store: d.store } : {}),
});

/** What a host gets staged: the build's artifact; a host whose strategy needs none may deploy without. */
export function uploadArtifact(host: HostRun, artifact: Artifact | undefined): Artifact | undefined {
	return artifact ?? (host.strategy.deploysWithoutArtifact ? emptyArtifact : undefined);
}

const emptyArtifact: Artifact = { dir: '', files: [], links: [], bytes: 0 };

export function throwIfCancelled(signal?: AbortSignal): void {
	if (signal?.aborted) throw new HostFailure('cancelled');
}
