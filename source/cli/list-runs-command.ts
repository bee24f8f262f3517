import type { Config } from '../config/types.js';
import { recordedTally, tallyLine } from '../engine/outcome/tally.js';
import { listRuns, type RunRecord } from '../record/list-runs.js';

/** The hosts of a run, by name while they fit the column, then how many more. */
function hostsText(hosts: readonly string[]): string {
	const shown: string[] = [];
	for (const host of hosts) {
		if ([...shown, host].join(', ').length > 40) break;
		shown.push(host);
	}
	return shown.length === hosts.length ? shown.join(', ') : `${shown.join(', ')}${shown.length > 0 ? ', ' : ''}+${hosts.length - shown.length} more`;
}

/** A finished run's tally line, as its summary headline says it; an unfinished one says so. */
const tallyText = (run: RunRecord): string => (run.finished ? tallyLine(recordedTally(run.started, run.finished.summary)) : 'unfinished (no end recorded)');

/** Past runs, newest first, with their tally (the run's own, as every surface prints it); with `hosts` (--env) only the runs that touched one of them. */
export function printRuns(config: Config, json: boolean, write: (text: string) => void, hosts?: readonly string[]): number {
	const runs = listRuns(config.dir).filter((run) => hosts === undefined || (run.started?.hosts ?? []).some((host) => hosts.includes(host)));
	if (json) {
		for (const run of runs) write(`${JSON.stringify({ runId: run.runId, dir: run.dir, started: run.started, summary: run.finished?.summary, tally: run.finished ? recordedTally(run.started, run.finished.summary) : undefined })}\n`);
		return 0;
	}
	if (runs.length === 0) {
		write('no runs recorded yet\n');
		return 0;
	}
	const rows = runs.map((run) => [run.runId, run.started?.kind ?? '?', run.started?.release ?? '', tallyText(run), hostsText(run.started?.hosts ?? [])]);
	const header = ['RUN', 'KIND', 'RELEASE', 'TALLY', 'HOSTS'];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => [...row[column]!].length)));
	const line = (cells: readonly string[]) => cells.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join('  ').trimEnd();
	for (const cells of [header, ...rows]) write(`${line(cells)}\n`);
	write(`\nlogs: ${runs[0]!.dir.replace(/[^/]+$/, '<run>')}/hosts/<host>.log · summary: <run>/summary.txt\n`);
	return 0;
}
