import type { Readable } from 'node:stream';
import type { HostConfig } from '../../config/types.js';
import type { Artifact, ArtifactDiff } from '../artifact.js';
import type { DiffSummary, EmitEvent, GenerationStatus, SwitchReason } from '../events.js';
import type { HostSession, ScriptResult } from '../host-session.js';
import type { HostState } from '../host-state.js';
import type { Skips } from '../activation.js';
import type { TemplateValues } from '../remote/quote.js';
import type { TemplateContext } from '../template-values.js';
import type { RunStore } from '../object-store/run-store.js';

/** What a strategy needs to know about the run it works in. */
export interface StrategyRun {
	readonly session: HostSession;
	readonly release: string;
	readonly rev?: string;
	readonly operator: string;
	readonly runId: string;
	readonly emit: EmitEvent;
	readonly signal?: AbortSignal;
	/** The run's object store, when `[store]` is set and was found working: hosts that pull use it. */
	readonly store?: RunStore;
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
	/** For an auto-rollback: why the generation left behind failed ("validation", "activation"). */
	readonly failedBy?: string;
}

export interface Staged {
	readonly id: number;
	readonly diff: DiffSummary;
	/** Handed back to `switchScript` as `path`. */
	readonly path?: string;
}

/** What the engine sends to a staging script: the header line and, after it, the bytes to stage (if any). */
export interface PreparedUpload {
	readonly id: number;
	readonly header: string;
	readonly body?: Readable;
	readonly diff: DiffSummary;
	readonly path?: string;
}

/**
 * Staging is one step with three parts: a script that says `SY:ready` and then reads a header line
 * (and the bytes after it) from stdin, what to send it, and how to read its end. The script runs
 * appended to the preflight's (one round trip for both) or alone when something must run on the
 * host between preflight and upload (a dry run); the engine answers "no" to stage nothing.
 */
export interface Staging {
	script(run: StrategyRun): string;
	prepare(run: StrategyRun, state: HostState, artifact: Artifact, diff: ArtifactDiff): PreparedUpload;
	settle(run: StrategyRun, upload: PreparedUpload, result: ScriptResult): Promise<Staged>;
}

/** What the preview describes: the host as inspected, what would be staged, and what was read for it. */
export interface PreviewInput {
	readonly host: HostConfig;
	readonly state: HostState;
	readonly artifact?: Artifact;
	readonly skips: Skips;
	readonly release: string;
	readonly result: Pick<ScriptResult, 'markers' | 'blocks'>;
	/** Where the app name came from, to say why the root is what it is when none was set. */
	readonly app: { readonly name: string; readonly nameFrom?: 'config' | 'directory' };
}

/**
 * A dry run's account of one host, per strategy: a read-only script appended to the preflight's
 * inspect (no extra round trip), then lines that say what a deploy would do there.
 */
export interface Preview {
	script(host: HostConfig, skips: Skips): string;
	describe(input: PreviewInput): string[];
}

/**
 * How one kind of host keeps generations. Phases, locks, waves, confirm, validate,
 * auto-rollback and the console are shared; only these steps differ. A new strategy is one file
 * implementing this, plus its name in `config/strategies.ts` and its line in `strategies/index.ts`.
 */
export interface Strategy {
	/** Script run right after the lock (same round trip) reporting the host's state; `artifact` when one is to be staged. */
	inspect(host: HostConfig, artifact?: Artifact): string;
	/** Script for `switchyard generations` and rollbacks: generations and current only. */
	list(host: HostConfig): string;
	parseState(result: Pick<ScriptResult, 'markers' | 'blocks'>): HostState;
	/** Prints where `current` is, for the closing round trip; `parseCurrent` reads it. */
	readCurrent(host: HostConfig): string;
	parseCurrent(markers: readonly string[]): number | null | undefined;
	/** What would change on this host; undefined when the strategy can't tell from here. */
	diff(host: HostConfig, state: HostState, artifact: Artifact): ArtifactDiff | undefined;
	/** What the switch will need from the artifact, as one-line problems; checked before anything is staged. */
	requirements(host: HostConfig, artifact: Artifact, skips: Skips): string[];
	/** The preflight's dry run (the host's `dry_run` command and/or the strategy's own); changes nothing it can avoid. Its `warning:` lines reach the confirm through the run's log. */
	dryRun(run: StrategyRun, state: HostState, artifact: Artifact | undefined): Promise<void>;
	/** What `--dry-run` shows a host would get: read-only script (run with the inspect) and its description. */
	readonly preview: Preview;
	/** The steps the inspect found declared (FastDeploy's config.json beside a deploy script), in order. */
	declaredSteps(result: Pick<ScriptResult, 'markers' | 'blocks'>): string[];
	/** Something runs on the host in the dry run: then the upload takes a round trip of its own after it. */
	hasDryRun(host: HostConfig): boolean;
	/** A host may deploy with no artifact (a deploy script that fetches or builds its own). */
	readonly deploysWithoutArtifact: boolean;
	/** What runs on the host prints FastDeploy step lines (`{"name","state","message"}`) on its output: they are steps, not log lines. */
	readonly stepsInOutput: boolean;
	readonly staging: Staging;
	/**
	 * Makes generation `to` current and live, as one script that prints `SY:swapped <from>` as
	 * soon as the host has moved (so the engine knows whether to undo), and sets the statuses of
	 * `to` and of the generation it leaves. Also the watchdog's revert.
	 */
	switchScript(target: SwitchTarget): string;
	/** Deletes these generations (the engine chose them with the keep rule). */
	prune(host: HostConfig, ids: readonly number[]): string;
	/** Shell that sets generation `id`'s status. */
	markStatus(host: HostConfig, id: number, status: GenerationStatus, at: string): string;
	/** What `{host}`, `{root}`, `{current}`, `{release}` (`{version}`), `{generation}` stand for in this host's commands. */
	templateValues(host: HostConfig, context: TemplateContext): TemplateValues;
}
