import type { HostConfig } from '../../config/types.js';
import type { StrategyName } from '../../config/strategies.js';
import { nixStrategy } from './nix.js';
import { releasesStrategy } from './releases.js';
import { scriptStrategy } from './script.js';
import type { Strategy } from './strategy.js';

/** The one registry: the schema takes its names from `names.ts`, the engine its steps from here. */
export const strategies: Record<StrategyName, Strategy> = {
	releases: releasesStrategy,
	nix: nixStrategy,
	script: scriptStrategy,
};

export const strategyFor = (host: HostConfig): Strategy => strategies[host.strategy];
