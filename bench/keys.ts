import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/fleet/fleet.js';
import { writeArtifact } from './support/artifact.js';
import { summarizeProfile } from './support/cpu-profile.js';
import { PtyConsole } from './support/pty-console.js';
import { cli, requireCli } from './support/switchyard.js';

/**
 * `npm run bench:keys` (issue #23): how soon a key shows on screen while the console runs a REAL
 * deploy. BENCH_KEYS_HOSTS (200) `local = true` hosts, a small artifact, the product's default
 * `--jobs`; each host's switch prints BENCH_KEYS_LINES (20) lines over about a second
 * (`after_switch`) and its validation runs a health command. The built console runs in tmux
 * (120×40); j and k are pressed one at a time, each timed from `send-keys` until the focused row
 * has moved on screen:
 *
 * - on the idle console first (the baseline: the harness's own cost, tmux and polling included);
 * - while the hosts stage (preflight and upload, before the switch question);
 * - after `y`, while they switch and validate.
 *
 * BENCH_KEYS_PROF=1 also records a CPU profile of the console and says where its time went.
 */
const hostCount = Number(process.env.BENCH_KEYS_HOSTS ?? 200);
const lines = Number(process.env.BENCH_KEYS_LINES ?? 20);
const profile = process.env.BENCH_KEYS_PROF === '1';
const targetP95Ms = 100;

type Stage = 'idle' | 'staging' | 'switching';

async function main(): Promise<void> {
	requireCli();
	const work = join(repoRoot, 'test', '.tmp', `bench-keys-${process.pid}`);
	const profiles = join(work, 'profiles');
	rmSync(work, { recursive: true, force: true });
	mkdirSync(profiles, { recursive: true });
	const names = Array.from({ length: hostCount }, (_, index) => `node-${String(index + 1).padStart(3, '0')}`);
	const artifact = writeArtifact(join(work, 'artifact'), 20, 200 * 1024);
	const config = join(work, 'hosts.toml');
	writeFileSync(config, hostsToml(artifact.dir, join(work, 'hosts'), names));
	console.log(`keys: ${cli}, ${hostCount} local hosts deploying for real (${lines} lines per host's switch, a health command each), a 120×40 pty, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);

	const flags = profile ? [`--cpu-prof --cpu-prof-dir=${profiles}`] : [];
	const terminal = new PtyConsole(`node ${flags.join(' ')} ${cli} --config ${config}`, { cwd: work, columns: 120, rows: 40 });
	const samples: Record<Stage, number[]> = { idle: [], staging: [], switching: [] };
	// The header says which host has the focus ("host 2/200"): j moves it on (a row of tiles, or one row of the table), k back.
	const focusIn = (text: string): string | undefined => [...text.matchAll(/│ host (\d+)\/\d+ │/g)].at(-1)?.[1];
	try {
		await terminal.until((text) => text.includes(`0 of ${hostCount} selected`), 60_000, 'the first frame');
		// The generation listing of every host, begun at start, is done when nothing is drawn any more.
		await terminal.quiet(2000);
		let down = true;
		let question = false;
		let finished = false;
		/** j, then k: timed until the header names another focused host. */
		const pressOnce = async (stage: Stage): Promise<boolean> => {
			const from = focusIn(terminal.screen);
			const started = performance.now();
			terminal.type(down ? 'j' : 'k');
			const shown = await terminal.until((text) => focusIn(text) !== from || (question = text.includes('Switch now?')), 30_000, `the focus to move from host ${from}`);
			// A question opened meanwhile: the key went to it. Not a sample.
			if (focusIn(terminal.screen) === from) return false;
			samples[stage].push(shown - started);
			down = !down;
			return true;
		};
		const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
		for (let index = 0; index < 15; index++) {
			await pressOnce('idle');
			await pause(100);
		}

		terminal.type('a');
		await terminal.until((text) => text.includes(`${hostCount} of ${hostCount} selected`), 10_000, 'every host selected');
		terminal.type('d');
		const deployStarted = performance.now();
		// Keys while hosts stage, until the switch question comes.
		void terminal.until((text) => text.includes('Switch now?'), 30 * 60_000, 'the switch question').then(() => (question = true));
		while (!question) {
			await pressOnce('staging');
			await pause(60 + Math.random() * 60);
		}
		const stagedAfter = performance.now() - deployStarted;
		terminal.forget();
		terminal.type('y');
		// The first host switched (its switch mark, s✓) is the answer taken: a one-second message may never reach a frame.
		await terminal.until((text) => text.includes(' s✓ '), 60_000, 'a host switched');
		const switchStarted = performance.now();
		void terminal.until((text) => /deploy finished/.test(text), 30 * 60_000, 'the end of the deploy').then(() => (finished = true));
		while (!finished) {
			if (!(await pressOnce('switching'))) continue;
			await pause(60 + Math.random() * 60);
		}
		const switchedAfter = performance.now() - switchStarted;
		const summary = /deploy finished: [^\n│]*/.exec(terminal.screen)?.[0] ?? '';
		terminal.type('q');
		await terminal.exited;
		console.log(`staged in ${(stagedAfter / 1000).toFixed(1)} s, switched and validated in ${(switchedAfter / 1000).toFixed(1)} s; ${summary.trim()}`);
	} finally {
		terminal.kill();
	}

	const idle = stats(samples.idle);
	const rows = (['idle', 'staging', 'switching'] as const).map((stage) => {
		const each = stats(samples[stage]);
		return [stage, String(samples[stage].length), each.p50.toFixed(0), each.p95.toFixed(0), each.max.toFixed(0), stage === 'idle' ? '—' : `×${(each.p95 / idle.p95).toFixed(2)}`];
	});
	const during = stats([...samples.staging, ...samples.switching]);
	rows.push(['while deploying', String(samples.staging.length + samples.switching.length), during.p50.toFixed(0), during.p95.toFixed(0), during.max.toFixed(0), `×${(during.p95 / idle.p95).toFixed(2)}`]);
	console.log('\nkey → frame, ms (typed into the pty until the console drew the focused row moved)');
	printTable(['while', 'keys', 'p50', 'p95', 'max', 'p95 ÷ idle'], rows);
	console.log(`p95 while deploying [target < ${targetP95Ms} ms]: ${during.p95.toFixed(0)} ms (×${(during.p95 / targetP95Ms).toFixed(2)} of the target); load ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
	if (profile) {
		const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
		if (file) console.log(`\nwhere the console's main thread went (${join(profiles, file)}):\n${summarizeProfile(join(profiles, file))}`);
	}
	if (!(during.p95 < targetP95Ms)) process.exitCode = 1;
	if (!profile) rmSync(work, { recursive: true, force: true });
}

function hostsToml(artifact: string, roots: string, names: readonly string[]): string {
	return [
		'[app]',
		'name = "keys"',
		'keep = 2',
		'',
		'[build]',
		'command = "true"',
		`artifact = ${JSON.stringify(artifact)}`,
		'',
		'[defaults]',
		`root = ${JSON.stringify(`${roots}/{host}`)}`,
		// About a second of output per host while it switches.
		`after_switch = [${JSON.stringify(`i=0; while [ $i -lt ${lines} ]; do echo "switch output line $i of {host}"; i=$((i+1)); sleep ${(1 / lines).toFixed(3)}; done`)}]`,
		'',
		'[health]',
		'command = "sleep 0.1; echo healthy"',
		'',
		...names.flatMap((name, index) => ['[[host]]', `name = "${name}"`, 'local = true', `tags = ["${index % 2 === 0 ? 'eu' : 'us'}"]`, '']),
	].join('\n');
}

function stats(values: readonly number[]): { p50: number; p95: number; max: number } {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
	return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? Number.NaN };
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
	const format = (row: readonly string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
	console.log(format(header));
	for (const row of rows) console.log(format(row));
}

main().catch((error: unknown) => {
	console.error(`bench:keys: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
