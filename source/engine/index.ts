export { runDeploy } from './deploy.js';
export { runRollback } from './rollback.js';
export { listGenerations, checkFleet, breakLocks, readLocks, type LockReading } from './inspect-fleet.js';
export { tailLogs, logsCommand } from './tail-logs.js';
export { presets, resolvePhases, selectHosts, parsePhaseList, SelectionError, type PresetName } from './plan.js';
export type * from './events.js';
export type * from './requests.js';
export { noSkips, type Skips } from './activation.js';
