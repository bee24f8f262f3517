import type { HostState } from './host-state.js';
import type { Config, HostConfig, WaveConfig } from '../config/types.js';
import type { Transport } from '../transport/transport.js';
import type { EmitEvent, FileChange, Phase, StagedHost } from './events.js';
import type { Skips } from './activation.js';
import type { WavePlan } from './waves.js';
import type { RunStoreOptions } from './object-store/run-store.js';

/**
 * Asked once, after every host has staged, before any host switches. Resolve true to switch.
 * `look` shows what a staged host's change is, file by file, while the question is open; `plan`
 * is the waves the switch will go in (by host name), as the engine will run them.
 */
export type ConfirmSwitch = (staged: readonly StagedHost[], look: StagedLook, plan: WavePlan<string>) => Promise<boolean>;

export interface StagedLook {
	/** The files behind a staged host's diff, by path (at most a couple of thousand; empty where the strategy can't tell). */
	changes(host: string): readonly FileChange[];
	/** One changed file of a staged host: a unified diff of current against staged for text, sizes and checksums otherwise. */
	fileDiff(host: string, path: string): Promise<FileDiff>;
}

export type FileDiff =
	| { readonly kind: 'text'; readonly lines: readonly string[]; readonly truncated: boolean }
	| { readonly kind: 'binary'; readonly before?: { readonly bytes: number; readonly sha256?: string }; readonly after?: { readonly bytes: number; readonly sha256?: string } }
	| { readonly kind: 'unavailable'; readonly reason: string };

export type OpenTransport = (host: HostConfig) => Transport;

/** What every engine entry point needs. */
export interface RunContext {
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly emit: EmitEvent;
	readonly openTransport: OpenTransport;
	readonly jobs?: number;
	readonly operator?: string;
	/** Aborting cancels unstarted work, stops uploads and removes .partial dirs; switches in flight finish. */
	readonly signal?: AbortSignal;
	/**
	 * Aborting (a second Ctrl-C) stops even switches and validations under way, so the run ends
	 * within the transports' kill bound; such hosts are reported as their `current` reads back.
	 */
	readonly force?: AbortSignal;
	readonly runId?: string;
	/** Remove a held lock first (recorded in switches.log). */
	readonly breakLock?: boolean;
}

/** Asked between waves (after the canary, between batches); resolve false to stop switching. */
export type ContinueWaves = (progress: WaveProgress) => Promise<boolean>;

export interface WaveProgress {
	/** The wave about to start (1-based) and how many there are. */
	readonly next: number;
	readonly total: number;
	readonly switched: readonly string[];
	readonly failed: readonly string[];
	readonly remaining: readonly string[];
}

export interface DeployRequest extends RunContext {
	readonly phases: readonly Phase[];
	readonly skips?: Skips;
	readonly confirm: ConfirmSwitch;
	/** Overrides [defaults] canary / batch / max_failures. */
	readonly waves?: Partial<WaveConfig>;
	/** Without it, waves follow each other as long as no stop condition is met. */
	readonly continueWaves?: ContinueWaves;
	/** A retry: the release and artifact of the run whose failed hosts this deploys again. */
	readonly reuse?: ReuseRelease;
	/** How the `[store]` is opened and when links are signed (tests); default: the AWS SDK, now. */
	readonly storeOptions?: Pick<RunStoreOptions, 'now' | 'open'>;
}

export interface ReuseRelease {
	readonly runId: string;
	readonly release: string;
	/** Artifact digests of that run, by host ('' for the shared build): the artifact must not have changed. */
	readonly digests: Readonly<Record<string, string>>;
}

export type RollbackTarget = { readonly generation: number } | { readonly release: string } | { readonly previous: true };

export interface RollbackRequest extends RunContext {
	readonly target: RollbackTarget;
	readonly validate?: boolean;
	/**
	 * Listings read back earlier, by host (with the host's digest): the target is picked from them
	 * and switched to in the lock's round trip when the host still lists exactly that.
	 */
	readonly known?: ReadonlyMap<string, HostState>;
}
