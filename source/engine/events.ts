/**
 * Everything the engine reports. The console's store, the headless printer and the run recorder
 * all consume this one stream; none of them talks back except through intents (confirm, cancel).
 */

export const phases = ['build', 'preflight', 'upload', 'switch', 'validate', 'cleanup'] as const;
export type Phase = (typeof phases)[number];

export type PhaseStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';

/** How a host ended a run. */
export type HostOutcome =
	| 'ok' // everything asked for succeeded
	| 'staged' // staged but not switched (dry-run/confirm declined/build-only)
	| 'failed' // failed before or during switch; left on its previous generation
	| 'rolled-back' // validate failed, automatically back on the previous generation
	| 'manual' // validate failed and the rollback failed too: manual intervention required
	| 'cancelled'; // work was skipped because the operator cancelled

export type SwitchReason = 'deploy' | 'rollback' | 'auto-rollback' | 'watchdog-revert';

export interface GenerationInfo {
	readonly id: number;
	readonly release: string;
	readonly created: string;
	readonly by: string;
	readonly rev?: string;
	readonly bytes: number;
	readonly files: number;
	readonly current: boolean;
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
	readonly diff: DiffSummary;
}

export interface RunSummary {
	readonly passed: number;
	readonly failed: number;
	readonly rolledBack: number;
	readonly staged: number;
	readonly cancelled: number;
	readonly total: number;
	readonly outcomes: Readonly<Record<string, HostOutcome>>;
	/** One-line reason per host that has one (failures, rollbacks, skips). */
	readonly reasons: Readonly<Record<string, string>>;
}

/** Log lines from the local build have host `null`, unless the build is per host. */
export type EngineEvent =
	| { type: 'run-started'; runId: string; kind: 'deploy' | 'rollback' | 'check'; release: string; hosts: string[]; phases: Phase[]; at: string }
	| { type: 'phase'; host: string | null; phase: Phase; status: PhaseStatus; reason?: string; ms?: number }
	| { type: 'log'; host: string | null; stream: 'stdout' | 'stderr' | 'info'; line: string }
	| { type: 'step'; host: string; name: string; state: 'running' | 'success' | 'failure'; message?: string }
	| { type: 'generations'; host: string; current: number | null; generations: GenerationInfo[] }
	| { type: 'staged'; staged: StagedHost }
	| { type: 'confirm'; hosts: StagedHost[]; answer: boolean; why?: string }
	| { type: 'wave'; index: number; total: number; hosts: string[]; canary: boolean }
	| { type: 'switched'; host: string; from: number | null; to: number; reason: SwitchReason }
	| { type: 'host-done'; host: string; outcome: HostOutcome; reason?: string }
	| { type: 'run-finished'; runId: string; summary: RunSummary; at: string };

export type EventOf<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
export type EmitEvent = (event: EngineEvent) => void;
