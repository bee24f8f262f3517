import type { Config, HostConfig } from '../config/types.js';
import type { Transport } from '../transport/transport.js';
import type { EmitEvent, Phase, StagedHost } from './events.js';
import type { Skips } from './switch-host.js';

/** Asked once, after every host has staged, before any host switches. Resolve true to switch. */
export type ConfirmSwitch = (staged: readonly StagedHost[]) => Promise<boolean>;

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
	readonly runId?: string;
}

export interface DeployRequest extends RunContext {
	readonly phases: readonly Phase[];
	readonly skips?: Skips;
	readonly confirm: ConfirmSwitch;
}

export type RollbackTarget = { readonly generation: number } | { readonly release: string } | { readonly previous: true };

export interface RollbackRequest extends RunContext {
	readonly target: RollbackTarget;
	readonly validate?: boolean;
}
