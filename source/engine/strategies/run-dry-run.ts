import type { HostConfig } from '../../config/types.js';
import { nextGenerationId, type HostState } from '../host-state.js';
import { fillTemplate, type TemplateValues } from '../remote/quote.js';
import { runInRoot } from '../remote/run-in-current.js';
import type { StrategyRun } from './strategy.js';
import type { TemplateContext } from '../template-values.js';

/**
 * The host's own `dry_run` command (e.g. `nginx -t`), run from its root, with the placeholders as
 * the calling strategy fills them (`values`). Shared by every strategy.
 */
export async function runConfiguredDryRun(run: StrategyRun, state: HostState, values: (host: HostConfig, context: TemplateContext) => TemplateValues): Promise<void> {
	const host = run.session.host;
	if (!host.dryRun) return;
	const command = fillTemplate(host.dryRun, values(host, { release: run.release, generation: nextGenerationId(state) }));
	run.session.info(`$ ${command}`);
	await run.session.must(runInRoot(host.root, command), 'dry run failed', { signal: run.signal, timeoutMs: host.timeouts.dryRunMs });
}
