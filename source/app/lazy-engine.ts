import type { ConsoleEngine } from './controller.js';

/**
 * The engine as the console's controller calls it, evaluated on the first call: the console
 * draws its first frame without the engine's modules (every strategy, tar-stream, diff, execa);
 * the first call is the generation listing, asked just after that frame.
 */
const load = () => import('../engine/index.js');

export const lazyEngine: ConsoleEngine = {
	runDeploy: async (request) => (await load()).runDeploy(request),
	runRollback: async (request) => (await load()).runRollback(request),
	breakLocks: async (context) => (await load()).breakLocks(context),
	readLocks: async (context) => (await load()).readLocks(context),
	listGenerations: async (context) => (await load()).listGenerations(context),
	tailLogs: async (...args) => (await load()).tailLogs(...args),
};
