import type { HealthConfig } from './health-checks.js';
import type { StrategySettings } from './strategies.js';

/** A host after [defaults] are merged in and paths resolved: what the engine works with. */
export interface HostConfig extends StrategySettings {
	readonly name: string;
	readonly tags: readonly string[];
	readonly transport: { readonly kind: 'local' } | { readonly kind: 'ssh'; readonly target: string };
	/** Absolute for local hosts; relative paths on SSH hosts are relative to the login directory. */
	readonly root: string;
	/** No `root` was set: it is /opt/<app name> (the dry run says so). */
	readonly rootDefaulted?: boolean;
	/** Owns the generations and shared dirs; restarts, after_switch hooks and logs run as this user. */
	readonly user?: string;
	/** How to act as another account (`user`, `run_as`, root): the command the account and the command follow ("doas -u"); unset: runuser/setpriv/sudo as root, sudo -n otherwise. */
	readonly become?: string;
	/** The [environments.<name>] the host belongs to. */
	readonly environment?: string;
	readonly mode?: 'local' | 'multi-user';
	readonly frontend: boolean;
	readonly webRoot?: string;
	/** Folder inside the artifact that holds the frontend assets. */
	readonly frontendDir: string;
	readonly binaries: readonly string[];
	/** Folder inside the artifact that holds the binaries. */
	readonly binDir: string;
	readonly binPrefix: string;
	readonly services: readonly string[];
	/** Per-user processes ended after a switch so they respawn (Oqto multi-user). */
	readonly runners: readonly string[];
	/** Template: {service} {root} {current} {host}. */
	readonly restart: string;
	/** Template for tailing a service's log. */
	readonly logs: string;
	readonly dryRun?: string;
	readonly afterSwitch: readonly string[];
	readonly shared: readonly string[];
	readonly health: HealthConfig;
	readonly env: Readonly<Record<string, EnvValue>>;
	readonly minFreeMb: number;
	/** A lock older than this is reported as stale (it is never broken without --break-lock). */
	readonly staleLockMs: number;
	/** Dead-man revert: a watchdog on the host swaps back unless the switch is confirmed in time. */
	readonly watchdog: boolean;
	readonly confirmTimeoutMs: number;
	/** Deadlines for remote work; a command that outlives its deadline is stopped on the host. */
	readonly timeouts: Timeouts;
	/** Symlinks in the artifact may point outside it (refused in preflight otherwise). */
	readonly allowExternalLinks: boolean;
	/**
	 * How the artifact reaches the host: `never` pushed over SSH (always so without a [store]);
	 * `auto` downloaded from the store, pushed when the host can't reach it; `always` downloaded or failed.
	 */
	readonly pull: PullMode;
}

export type PullMode = 'auto' | 'always' | 'never';

/** `[store]`: the S3-compatible object store hosts pull from. */
export interface StoreConfig {
	/** As written: s3://bucket/prefix. */
	readonly url: string;
	readonly bucket: string;
	/** Key prefix without a trailing slash; empty for the bucket's root. */
	readonly prefix: string;
	/** For S3-compatible servers; undefined: AWS. */
	readonly endpoint?: string;
	/** Undefined: the AWS chain's (AWS_REGION, the profile); us-east-1 with an endpoint. */
	readonly region?: string;
	/** How long a host's download links live. */
	readonly urlTtlSeconds: number;
}

export interface Timeouts {
	/** Any script without a deadline of its own (lock, inspect, cleanup, listing). */
	readonly commandMs: number;
	/** The switch: swap, installs, restarts, after_switch hooks. */
	readonly switchMs: number;
	readonly dryRunMs: number;
	readonly uploadMs: number;
}

export interface EnvValue {
	/** Empty until a value `from` somewhere is resolved (once per run, on the operator's machine). */
	readonly value: string;
	readonly secret: boolean;
	readonly from?: EnvSource;
}

/** Where a value comes from at deploy time: a command's output, or a variable of the operator's environment. */
export type EnvSource = { readonly command: string } | { readonly env: string };

export interface EnvironmentConfig {
	readonly name: string;
	/** Shown in red in the console header. */
	readonly production: boolean;
	/** Its hosts, in config order. */
	readonly hosts: readonly string[];
}

export interface BuildConfig {
	readonly command?: string;
	/** Artifact folder, absolute; may contain {host}. */
	readonly artifact: string;
	readonly cwd: string;
	/** True when command or artifact mention {host}: one build per host. */
	readonly perHost: boolean;
	/** Per-host builds at once (default: CPU count; --jobs overrides). */
	readonly jobs?: number;
}

/**
 * Which hosts switch first, as the canary: the first N hosts (config order), or host names and
 * `@tags` (`["@canary"]`, `["delta", "web-01"]`); 0 = no canary.
 */
export type CanaryChoice = number | readonly string[];

/** How switches roll through the fleet: a canary first, then batches; stop after too many failures. */
export interface WaveConfig {
	readonly canary: CanaryChoice;
	/** Hosts per batch after the canary: a count, or a percentage of the staged hosts ("25%"); unset = all at once. */
	readonly batch?: number | string;
	readonly maxFailures?: number;
}

export interface Config {
	/** Absolute path of the hosts.toml that was read. */
	readonly file: string;
	readonly dir: string;
	/** `nameFrom`: whether [app] name was set or the name was taken from the project's directory. */
	readonly app: { readonly name: string; readonly keep: number; readonly nameFrom?: 'config' | 'directory' };
	readonly build?: BuildConfig;
	readonly jobs: number;
	readonly waves: WaveConfig;
	readonly hosts: readonly HostConfig[];
	/** Where hosts pull the artifact from, when set. */
	readonly store?: StoreConfig;
	/** By name, in config order; empty when the config has none. */
	readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
}
