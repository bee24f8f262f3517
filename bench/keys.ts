import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/fleet/fleet.js';
import { TmuxTerminal } from '../test/support/tmux.js';
import { writeArtifact } from './support/artifact.js';
import { summarizeProfile } from './support/cpu-profile.js';
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
const pollMs = 4;

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
	console.log(`keys: ${cli}, ${hostCount} local hosts deploying for real (${lines} lines per host's switch, a health command each), tmux 120×40, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);

	const flags = profile ? [`--cpu-prof --cpu-prof-dir=${profiles}`] : [];
	const terminal = TmuxTerminal.start({ command: `node ${flags.join(' ')} ${cli} --config ${config}; echo console-exited; exec cat`, cwd: work, columns: 120, rows: 40, env: { TERM: 'xterm-256color' } });
	const samples: Record<Stage, number[]> = { idle: [], staging: [], switching: [] };
	try {
		await terminal.waitFor((screen) => screen.includes(`0 of ${hostCount} selected`), 60_000, 'the first frame');
		let focus = 0;
		/** j or k, whichever keeps the focus near the top; timed until the focused row is the next host. */
		const pressOnce = (stage: Stage): boolean => {
			const next = focus === 0 ? 1 : 0;
			const started = performance.now();
			terminal.send(next > focus ? 'j' : 'k');
			const deadline = started + 10_000;
			const focused = new RegExp(`^▸[○◉] . ${names[next]} `, 'm');
			for (;;) {
				const screen = terminal.capture();
				if (focused.test(screen)) break;
				// A question opened meanwhile: the key went to it. Not a sample.
				if (screen.includes('Switch now?')) return false;
				if (performance.now() > deadline) throw new Error(`keys: the focus never moved to ${names[next]}:\n${screen}`);
				pause(pollMs);
			}
			samples[stage].push(performance.now() - started);
			focus = next;
			return true;
		};
		for (let index = 0; index < 15; index++) {
			pressOnce('idle');
			pause(50);
		}

		terminal.send('a');
		await terminal.waitFor(`${hostCount} of ${hostCount} selected`, 10_000, 'every host selected');
		terminal.send('d');
		const deployStarted = performance.now();
		// Keys while hosts stage, until the switch question comes.
		while (!terminal.capture().includes('Switch now?')) {
			pressOnce('staging');
			pause(60 + Math.random() * 60);
		}
		const stagedAfter = performance.now() - deployStarted;
		terminal.send('y');
		await terminal.waitFor((screen) => !screen.includes('Switch now?'), 10_000, 'the question closed');
		const switchStarted = performance.now();
		while (!/deploy finished/.test(terminal.capture())) {
			if (!pressOnce('switching')) continue;
			pause(60 + Math.random() * 60);
		}
		const switchedAfter = performance.now() - switchStarted;
		const finished = terminal.capture().split('\n').find((line) => line.includes('deploy finished')) ?? '';
		terminal.send('q');
		await terminal.waitFor('console-exited', 60_000, 'the console to quit');
		console.log(`staged in ${(stagedAfter / 1000).toFixed(1)} s, switched and validated in ${(switchedAfter / 1000).toFixed(1)} s; ${finished.trim()}`);
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
	console.log('\nkey → frame, ms (tmux send-keys until the focused row moved; polling every 4 ms)');
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

function pause(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

main().catch((error: unknown) => {
	console.error(`bench:keys: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
