import type { HostConfig } from '../../config/types.js';
import { nextGenerationId, type HostState } from '../host-state.js';
import { fillTemplate } from '../remote/quote.js';
import { runInRoot } from '../remote/run-in-current.js';
import type { StrategyRun } from './strategy.js';
import { strategyFor } from './index.js';

/** The host's own `dry_run` command (e.g. `nginx -t`), run from its root. Shared by every strategy. */
export async function runConfiguredDryRun(run: StrategyRun, host: HostConfig, state: HostState): Promise<void> {
	if (!host.dryRun) return;
	const command = fillTemplate(host.dryRun, strategyFor(host).templateValues(host, { release: run.release, generation: nextGenerationId(state) }));
	run.session.info(`$ ${command}`);
	await run.session.must(runInRoot(host.root, command), 'dry run failed', { signal: run.signal, timeoutMs: host.timeouts.dryRunMs });
}
