import type { Config } from '../config/types.js';
import { listRuns } from '../record/list-runs.js';

/** Past runs, newest first; with `hosts` (--env) only the runs that touched one of them. */
export function printRuns(config: Config, json: boolean, write: (text: string) => void, hosts?: readonly string[]): number {
	const runs = listRuns(config.dir).filter((run) => hosts === undefined || (run.started?.hosts ?? []).some((host) => hosts.includes(host)));
	if (json) {
		for (const run of runs) write(`${JSON.stringify({ runId: run.runId, dir: run.dir, started: run.started, summary: run.finished?.summary })}\n`);
		return 0;
	}
	if (runs.length === 0) {
		write('no runs recorded yet\n');
		return 0;
	}
	for (const run of runs) {
		const summary = run.finished?.summary;
		const result = summary ? `${summary.passed}/${summary.total} passed${summary.failed ? `, ${summary.failed} failed` : ''}${summary.rolledBack ? `, ${summary.rolledBack} rolled back` : ''}` : 'unfinished';
		write(`${run.runId}  ${(run.started?.kind ?? '?').padEnd(8)}  ${(run.started?.release ?? '').padEnd(28)}  ${result.padEnd(24)}  ${run.started?.hosts.join(',') ?? ''}\n`);
	}
	write(`\nlogs: ${runs[0]!.dir.replace(/[^/]+$/, '<run>')}/hosts/<host>.log\n`);
	return 0;
}
