import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { measureScroll, measureStartup } from './ui-startup.js';
import type { WorkloadOptions, WorkloadResult } from './ui-workload.js';

/**
 * `npm run bench:ui`: is the console cheap enough to leave open on a big, chatty fleet, and does
 * it keep up with the operator's keys? (a) 200 hosts × 50 log lines/s for 20 s through the real
 * store, app and run recorder, in a child process (its CPU and RSS are the console's own), with
 * keys pressed meanwhile: each timed to the frame that shows it, then 1,000 typed ahead in one
 * read; (b) time to the first full frame of the built CLI in a real terminal (demo fleet, 200
 * and 1000 hosts) against bare `node -e` in the same run; (c) a 1000-host config scrolled with
 * End, PgUp and Home in that terminal.
 * Bundled with code splitting so the workload's chunk (Ink, React, the app) loads only in the child.
 * BENCH_UI_HOSTS, BENCH_UI_RATE, BENCH_UI_SECONDS, BENCH_UI_ROUNDS shrink it for a quick look.
 */
const repo = process.cwd();
const workload: WorkloadOptions = {
	hosts: Number(process.env.BENCH_UI_HOSTS ?? 200),
	linesPerSecond: Number(process.env.BENCH_UI_RATE ?? 50),
	seconds: Number(process.env.BENCH_UI_SECONDS ?? 20),
	columns: 120,
	rows: 40,
};
const rounds = Number(process.env.BENCH_UI_ROUNDS ?? 7);

const targets = { framesPerSecond: 30, cpuPercent: 50, rssMb: 250, keyP95Ms: 100, startupRatio: 2 };

async function main(): Promise<void> {
	if (process.argv[2] === 'workload') {
		// Loaded only here (its own chunk): the measuring parent never loads Ink or React.
		const { runWorkload } = await import('./ui-workload.js');
		const result = await runWorkload(workload);
		process.stdout.write(`${JSON.stringify(result)}\n`);
		// Ink and the recorder's streams are closed; nothing else must keep the figures waiting.
		process.exit(0);
	}

	const cli = path.join(repo, 'dist', 'cli.js');
	if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
	execFileSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' });

	console.log(`UI workload: ${workload.hosts} hosts × ${workload.linesPerSecond} lines/s for ${workload.seconds} s, Ink into a headless ${workload.columns}×${workload.rows} TTY…`);
	const flood = await workloadInChild();
	console.log(`startup: first full frame in tmux 100×30, median of ${rounds}…`);
	const startup = measureStartup({ cli, demoConfig: path.join(repo, 'hosts.toml'), cwd: repo, rounds });
	console.log('1000 hosts: open, End, PgUp, Home in tmux 100×30…');
	const scroll = measureScroll({ cli, cwd: repo, hosts: 1000 });

	const perSecond = (count: number) => count / flood.seconds;
	const cpuPercent = (flood.cpuMs / (flood.seconds * 1000)) * 100;
	const missing = flood.linesSent - flood.linesInFiles;
	const sorted = [...flood.keyLatenciesMs].sort((a, b) => a - b);
	const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
	const keyP50 = percentile(50);
	const keyP95 = percentile(95);
	const baseline = startup[0]!.medianMs;
	const rows: [string, string, string, string][] = [
		['React commits/s', perSecond(flood.commits).toFixed(1), '—', `${flood.commits} commits; ${Math.round(flood.linesSent / Math.max(1, flood.commits))} lines per commit`],
		['Ink renders/s', perSecond(flood.inkRenders).toFixed(1), '—', 'layout + output passes (throttled to maxFps 30)'],
		['frames written/s', perSecond(flood.frames).toFixed(1), `≤ ${targets.framesPerSecond}`, ratio(perSecond(flood.frames), targets.framesPerSecond, `${(flood.bytes / flood.seconds / 1024).toFixed(0)} KB/s to the terminal`)],
		['CPU, % of one core', cpuPercent.toFixed(1), `< ${targets.cpuPercent}`, ratio(cpuPercent, targets.cpuPercent, `${(flood.cpuMs / 1000).toFixed(1)} s CPU in ${flood.seconds.toFixed(1)} s`)],
		['peak RSS, MB', flood.peakRssMb.toFixed(0), `< ${targets.rssMb}`, ratio(flood.peakRssMb, targets.rssMb, `V8 heap at most ${flood.peakHeapUsedMb.toFixed(0)} MB used of ${flood.peakHeapTotalMb.toFixed(0)}, buffers ${flood.peakExternalMb.toFixed(0)} MB; live after a full GC at the end: ${flood.heapLiveMb.toFixed(0)} MB`)],
		['event-loop delay p99, ms', flood.loopDelayP99Ms.toFixed(1), '—', 'how late a key press can be handled'],
		['key → frame p50, ms', keyP50.toFixed(0), '—', `${sorted.length} keys (j/k) while ${workload.hosts} hosts stream ${workload.linesPerSecond} lines/s each; max ${(sorted.at(-1) ?? NaN).toFixed(0)}`],
		['key → frame p95, ms', keyP95.toFixed(0), `< ${targets.keyP95Ms}`, ratio(keyP95, targets.keyP95Ms, 'includes Ink\'s frame throttle (maxFps 30: up to 33 ms)')],
		[`${flood.typeaheadKeys} keys typed ahead: lost`, String(flood.keysLost), '0', `all handled and on screen in ${flood.typeaheadMs.toFixed(0)} ms; focus ${flood.typeaheadLanded ? 'where they lead' : 'NOT where they lead'}`],
		['lines missing from host logs', String(missing), '0', `${flood.linesInFiles} of ${flood.linesSent} in the recorder's files; last line in the console for ${flood.consoleHostsComplete}/${workload.hosts} hosts`],
		...startup.map((entry): [string, string, string, string] => [
			`startup: ${entry.name}, ms`,
			entry.medianMs.toFixed(0),
			entry === startup[0] ? '—' : `≤ ${targets.startupRatio}× node`,
			// CPU time to the first frame (the process's own): what load on a shared machine inflates least.
			entry === startup[0]
				? `min ${entry.minMs.toFixed(0)}; CPU ${entry.medianCpuMs.toFixed(0)} ms`
				: `×${(entry.medianMs / baseline).toFixed(2)} bare node; min ${entry.minMs.toFixed(0)} (×${(entry.minMs / startup[0]!.minMs).toFixed(2)}); CPU ${entry.medianCpuMs.toFixed(0)} ms (×${(entry.medianCpuMs / startup[0]!.medianCpuMs).toFixed(2)})`,
		]),
		['1000 hosts: End → last host shown, ms', scroll.endMs.toFixed(0), '—', `opened in ${scroll.openMs.toFixed(0)} ms; PgUp ${scroll.pageUpMs.toFixed(0)} ms, Home ${scroll.homeMs.toFixed(0)} ms (tmux polling included)`],
	];
	printTable(['figure', 'measured', 'target', 'ratio / notes'], rows);

	const failures = [
		perSecond(flood.frames) > targets.framesPerSecond && 'frames/s',
		cpuPercent >= targets.cpuPercent && 'CPU',
		flood.peakRssMb >= targets.rssMb && 'RSS',
		(missing !== 0 || flood.missingHosts.length > 0) && `missing lines (${flood.missingHosts.slice(0, 3).join(', ')})`,
		flood.consoleHostsComplete !== workload.hosts && 'last lines missing in the console',
		!flood.lastFrameHasHosts && 'last frame without the hosts',
		!(keyP95 < targets.keyP95Ms) && 'key latency p95',
		(flood.keysLost !== 0 || !flood.typeaheadLanded) && 'typed-ahead keys lost',
		...startup.slice(1, 3).map((entry) => entry.medianMs > targets.startupRatio * baseline && `startup (${entry.name})`),
	].filter((failure): failure is string => typeof failure === 'string');
	if (failures.length > 0) {
		console.log(`over target: ${failures.join(', ')}`);
		process.exitCode = 1;
	}
}

function ratio(measured: number, target: number, note?: string): string {
	return `${(measured / target).toFixed(2)}× target${note ? `; ${note}` : ''}`;
}

function workloadInChild(): Promise<WorkloadResult> {
	// Production React, as the built CLI ships it. DEV=true only makes Ink hand React's commits
	// to the DevTools hook the workload counts them with. Ink draws nothing when it thinks it
	// runs in CI, so CI's variables are left out.
	const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'CI' && key !== 'CONTINUOUS_INTEGRATION' && !key.startsWith('CI_')));
	const child = spawn(process.execPath, ['--expose-gc', process.argv[1]!, 'workload'], { env: { ...env, NODE_ENV: 'production', DEV: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	let errors = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
	// DEV=true makes Ink warn that react-devtools-core is not installed; that is expected here.
	const withoutDevtoolsWarning = () =>
		errors
			.replace(/The environment variable DEV is set to true[\s\S]*?npm install --save-dev react-devtools-core\s*/, '')
			.replaceAll('\x1b[?25h', '')
			.trim();
	return new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code) => {
			const line = output.trim().split('\n').at(-1) ?? '';
			if (withoutDevtoolsWarning()) process.stderr.write(`${withoutDevtoolsWarning()}\n`);
			if (code !== 0 || !line.startsWith('{')) reject(new Error(`the workload process failed (exit ${code}):\n${output}`));
			else resolve(JSON.parse(line) as WorkloadResult);
		});
	});
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
	const format = (row: readonly string[]) => row.map((cell, column) => (column === 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
	console.log(format(header));
	console.log(widths.map((width) => '─'.repeat(width)).join('  '));
	for (const row of rows) console.log(format(row));
}

await main();
