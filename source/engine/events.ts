import type { WavePlan } from './waves.js';

/**
 * Everything the engine reports. The console's store, the headless printer and the run recorder
 * all consume this one stream, through one interpreter (`engine/outcome/`); none of them talks
 * back except through intents (confirm, cancel).
 */

export const phases = ['build', 'preflight', 'upload', 'switch', 'validate', 'cleanup'] as const;
export type Phase = (typeof phases)[number];

export type PhaseStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

/** What a run does; every entry point of the engine is one of these. */
export const runKinds = ['deploy', 'rollback', 'check', 'generations', 'break-lock', 'logs'] as const;
export type RunKind = (typeof runKinds)[number];

/** How a host ended a run, as the engine says it. */
export type HostOutcome =
	| 'ok' // everything asked for succeeded
	| 'staged' // staged but not switched (confirm declined, waves stopped)
	| 'failed' // failed before or during switch; left on its previous generation
	| 'rolled-back' // validate failed, automatically back on the previous generation
	| 'manual' // a person is needed: the way back failed, the old generation fails its health check too, or the host is not where the run believes
	| 'cancelled' // work was skipped because the operator cancelled
	| 'skipped'; // nothing to do: already there (a rollback to the current generation), no lock to break

/**
 * The buckets of the tally, in the order a tally line names them (problems first): a host's
 * outcome read with its run's kind (an operator's rollback that worked is `operator-rollback`,
 * not `ok`). Their rules (mark, words, counts as failed, retried…) are in outcome/endings.ts.
 */
export const hostEndings = ['manual', 'failed', 'rolled-back', 'staged', 'cancelled', 'skipped', 'operator-rollback', 'ok'] as const;
export type HostEnding = (typeof hostEndings)[number];

/** The one count of a run's hosts that every surface prints (status bar, summaries, `runs`, records, exit status). */
export interface Tally {
	readonly total: number;
	readonly counts: Readonly<Record<HostEnding, number>>;
	/** A deploy that only builds and looks (preflight, no upload, no switch): nothing changed on any host. */
	readonly dryRun: boolean;
	/** The run was cancelled before it ended on its own (Ctrl-C, `c`, quitting, a closed output). */
	readonly interrupted: boolean;
}

export type SwitchReason = 'deploy' | 'rollback' | 'auto-rollback' | 'watchdog-revert';

/**
 * A generation's history, kept on the host in its metadata: staged (uploaded, never switched to),
 * declined (staged, then the switch was declined or stopped), live (went live), failed (failed
 * validation or activation; the host was rolled back from it), rolled-back-from (went live, then
 * the operator rolled back to an older one), reverted (the watchdog put the host back).
 * `unknown`: made before generations carried a status.
 */
export const generationStatuses = ['staged', 'declined', 'live', 'failed', 'rolled-back-from', 'reverted', 'unknown'] as const;
export type GenerationStatus = (typeof generationStatuses)[number];

export interface GenerationInfo {
	readonly id: number;
	readonly release: string;
	readonly created: string;
	readonly by: string;
	readonly rev?: string;
	readonly bytes: number;
	readonly files: number;
	readonly current: boolean;
	readonly status: GenerationStatus;
	/** When the status was last set (ISO). */
	readonly statusAt?: string;
	/** What kind of failure, for `failed`: "validation" or "activation". */
	readonly statusNote?: string;
}

/** A deploy lock a host holds, as read from it (who, since when) and judged here (stale or not). */
export interface LockFacts {
	/** One line: who holds it, since when, and whether it looks abandoned. */
	readonly reason: string;
	readonly stale: boolean;
	readonly operator?: string;
	readonly startedAt?: string;
}

export interface DiffSummary {
	readonly added: number;
	readonly changed: number;
	readonly removed: number;
	/** Bytes of added and changed files: what has to travel. */
	readonly bytes: number;
}

export interface StagedHost {
	readonly host: string;
	readonly from: number | null;
	readonly to: number;
	/** The release the staged generation carries (this run's, or an earlier run's for a switch later). */
	readonly release: string;
	readonly diff: DiffSummary;
	/** `warning:` lines of its build and dry run (pantherOS looks at them before switching). */
	readonly warnings?: readonly string[];
}

/** One file a staged generation adds, changes or removes. `bytes`: its new size (unknown for a removed one). */
export interface FileChange {
	readonly path: string;
	readonly change: 'added' | 'changed' | 'removed';
	readonly bytes?: number;
	readonly sha256: string;
}

export interface RunSummary {
	readonly kind: RunKind;
	readonly tally: Tally;
	readonly outcomes: Readonly<Record<string, HostOutcome>>;
	/** One-line reason per host that has one (failures, rollbacks, skips). */
	readonly reasons: Readonly<Record<string, string>>;
	/** Where each host's `current` is at the end, as the host said (null: none; absent: never reached). */
	readonly current: Readonly<Record<string, number | null>>;
	/** `warning:` lines of each host's build and dry run, for hosts that had any. */
	readonly warnings?: Readonly<Record<string, readonly string[]>>;
}

/** Log lines from the local build have host `null`, unless the build is per host. */
export type EngineEvent =
	| {
			type: 'run-started';
			runId: string;
			kind: RunKind;
			release: string;
			hosts: string[];
			phases: Phase[];
			at: string;
			/** Digest of the artifact this run ships (retry checks it has not changed). */
			artifact?: string;
			/** The run whose failed hosts this one retries. */
			retryOf?: string;
	  }
	| {
			type: 'phase';
			host: string | null;
			phase: Phase;
			status: PhaseStatus;
			reason?: string;
			ms?: number;
			/** Commands sent to the host during the phase (each a round trip). */
			trips?: number;
			/** Part of going back to the previous generation after a failure: not the deploy's own mark. */
			revert?: boolean;
	  }
	| { type: 'log'; host: string | null; stream: 'stdout' | 'stderr' | 'info'; line: string }
	/** What the run ships, once built and fingerprinted (host null: the shared build). A retry checks it is unchanged. */
	| { type: 'artifact'; host: string | null; digest: string; files: number; bytes: number }
	| { type: 'step'; host: string; name: string; state: 'pending' | 'running' | 'success' | 'failure'; message?: string }
	/** `digest`: the host's own digest of this listing, present only when it was read back as it is (not derived by the engine). */
	| { type: 'generations'; host: string; current: number | null; generations: GenerationInfo[]; digest?: string }
	| { type: 'staged'; staged: StagedHost }
	/** `plan`: the waves the switch goes in (a host of a later wave waits for it). */
	| { type: 'confirm'; hosts: StagedHost[]; answer: boolean; why?: string; plan?: WavePlan<string> }
	| { type: 'wave'; index: number; total: number; hosts: string[]; canary: boolean }
	| { type: 'switched'; host: string; from: number | null; to: number; reason: SwitchReason }
	/** What a read of a host found besides its generations: its lock (null: none), and its free disk where it was read. */
	| { type: 'host-facts'; host: string; lock: LockFacts | null; freeKb?: number }
	/** `current` is read back from the host after its work (absent when it could not be reached). */
	| { type: 'host-done'; host: string; outcome: HostOutcome; reason?: string; current?: number | null }
	| { type: 'run-finished'; runId: string; summary: RunSummary; at: string; cancelled: boolean };

export type EventOf<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
export type EmitEvent = (event: EngineEvent) => void;
