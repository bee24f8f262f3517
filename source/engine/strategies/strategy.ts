import type { HostConfig } from '../../config/types.js';
import type { Artifact, ArtifactDiff } from '../artifact.js';
import type { DiffSummary, EmitEvent, SwitchReason } from '../events.js';
import type { Readable } from 'node:stream';
import type { HostSession, ScriptResult } from '../host-session.js';
import type { HostState } from '../host-state.js';
import type { Skips } from '../activation.js';

/** What a strategy needs to know about the run it works in. */
export interface StrategyRun {
	readonly session: HostSession;
	readonly release: string;
	readonly rev?: string;
	readonly operator: string;
	readonly runId: string;
	readonly emit: EmitEvent;
	readonly signal?: AbortSignal;
}

export interface SwitchTarget {
	readonly host: HostConfig;
	readonly to: number;
	readonly reason: SwitchReason;
	readonly release: string;
	readonly operator: string;
	readonly skips: Skips;
	readonly at: string;
	/** Nix: the store path of a generation that does not exist yet (`nix-env --set`). */
	readonly path?: string;
}

export interface Staged {
	readonly id: number;
	readonly diff: DiffSummary;
	/** Handed back to `switchScript` as `path`. */
	readonly path?: string;
}

/**
 * How one kind of host keeps generations. Phases, locks, waves, confirm, validate,
 * auto-rollback and the console are shared; only these steps differ.
 */
export interface Strategy {
	/** Script run right after the lock (same round trip) reporting the host's state. */
	inspect(host: HostConfig): string;
	/** Script for `switchyard generations`: no lock. */
	list(host: HostConfig): string;
	parseState(result: Pick<ScriptResult, 'markers' | 'blocks'>): HostState;
	/** What would change; undefined when the strategy can't tell from here. */
	diff(state: HostState, artifact: Artifact): ArtifactDiff | undefined;
	/** The preflight's dry run (the host's `dry_run` command and/or the strategy's own). */
	dryRun(run: StrategyRun, state: HostState, artifact: Artifact | undefined): Promise<void>;
	/** Puts the artifact on the host as the next generation, without making it current. */
	stage(run: StrategyRun, state: HostState, artifact: Artifact, diff: ArtifactDiff): Promise<Staged>;
	/**
	 * Makes generation `to` current and live, as one script that prints `SY:swapped <from>` as
	 * soon as the host has moved (so the engine knows whether to undo). Also the watchdog's revert.
	 */
	switchScript(target: SwitchTarget): string;
	/** Deletes these generations (the engine chose them; never current or previous). */
	prune(host: HostConfig, ids: readonly number[]): string;
	/**
	 * Staging that can ride on the preflight's round trip: the script part that waits for a
	 * header and the tar on stdin (see `stageFromHeader`), what to send, and how to read the end.
	 * Strategies without it stage in a round trip of their own.
	 */
	stageFromHeader?(host: HostConfig): string;
	prepareUpload?(run: StrategyRun, state: HostState, artifact: Artifact, diff: ArtifactDiff): PreparedUpload;
	settleUpload?(run: StrategyRun, upload: PreparedUpload, result: ScriptResult): Promise<Staged>;
}

export interface PreparedUpload {
	readonly id: number;
	readonly reuseFrom: number | null;
	readonly archive: Readable;
	readonly diff: DiffSummary;
}
