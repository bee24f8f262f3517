/** Every strategy a host can name in hosts.toml; `engine/strategies/index.ts` maps each to its implementation. */
export const strategyNames = ['releases', 'nix', 'script'] as const;
export type StrategyName = (typeof strategyNames)[number];
