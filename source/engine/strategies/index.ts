import type { HostConfig } from '../../config/types.js';
import { nixStrategy } from './nix.js';
import { releasesStrategy } from './releases.js';
import { scriptStrategy } from './script.js';
import type { Strategy } from './strategy.js';

export const strategies: Record<HostConfig['strategy'], Strategy> = {
	releases: releasesStrategy,
	nix: nixStrategy,
	script: scriptStrategy,
};

export const strategyFor = (host: HostConfig): Strategy => strategies[host.strategy];
