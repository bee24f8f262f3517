import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Phase } from '../source/engine/events.js';
import { fleetConfig, hostConfig } from '../test/store/host-fixtures.js';
import { mountConsole } from './support/headless-console.js';

/**
 * `npm run bench:soak [-- --minutes N]` (issue #23): is a console left open on a streaming fleet
 * flat in memory? The console as it ships (store, controller, Ink app, run recorder) draws into a
 * headless 120×40 terminal while BENCH_SOAK_HOSTS (200) hosts sit in a running switch, each tile's
 * clock ticking, each streaming BENCH_SOAK_RATE (5) log lines a second, and the focus moves now
 * and then. Side by side, in the same run, the same console with Ink's own memos as Ink 6 ships
 * them (unbounded), the baseline. Every BENCH_SOAK_SAMPLE seconds (30) each prints its RSS and its
 * live heap (after a full GC). Default 10 minutes; the first BENCH_SOAK_WARMUP minutes (3: the
 * log ring buffers fill) are warm-up, growth is counted after them.
 */
const minutesFlag = process.argv.indexOf('--minutes');
const minutes = Number(minutesFlag > 0 ? process.argv[minutesFlag + 1] : (process.env.BENCH_SOAK_MINUTES ?? 10));
const hosts = Number(process.env.BENCH_SOAK_HOSTS ?? 200);
const rate = Number(process.env.BENCH_SOAK_RATE ?? 5);
const sampleSeconds = Number(process.env.BENCH_SOAK_SAMPLE ?? 30);
const warmupMinutes = Math.min(Number(process.env.BENCH_SOAK_WARMUP ?? 3), minutes / 2);

interface Sample {
	readonly seconds: number;
	readonly rssMb: number;
	readonly liveHeapMb: number;
}

async function main(): Promise<void> {
	if (process.argv[2] === 'workload') return workload();
	console.log(`soak: ${hosts} hosts × ${rate} lines/s, clocks ticking, for ${minutes} min; RSS and live heap every ${sampleSeconds} s; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);
	const [patched, shipped] = await Promise.all([child(process.argv[1]!), child(path.join(path.dirname(process.argv[1]!), '..', 'bench-soak-shipped', path.basename(process.argv[1]!)))]);
	console.log(`\n${'min'.padStart(5)}  ${'RSS MB'.padStart(7)} ${'live heap'.padStart(9)}   ${'Ink as shipped: RSS'.padStart(19)} ${'live heap'.padStart(9)}`);
	for (let index = 0; index < Math.max(patched.length, shipped.length); index++) {
		const mine = patched[index];
		const theirs = shipped[index];
		const cell = (sample: Sample | undefined, width: number, value: (sample: Sample) => number) => (sample ? value(sample).toFixed(1) : '').padStart(width);
		console.log(`${((mine ?? theirs)!.seconds / 60).toFixed(1).padStart(5)}  ${cell(mine, 7, (each) => each.rssMb)} ${cell(mine, 9, (each) => each.liveHeapMb)}   ${cell(theirs, 19, (each) => each.rssMb)} ${cell(theirs, 9, (each) => each.liveHeapMb)}`);
	}
	const growth = (samples: readonly Sample[]) => {
		const after = samples.filter((sample) => sample.seconds >= warmupMinutes * 60);
		const first = after[0]!;
		const last = after.at(-1)!;
		const hours = (last.seconds - first.seconds) / 3600;
		return { heap: last.liveHeapMb - first.liveHeapMb, rss: last.rssMb - first.rssMb, perHour: (last.liveHeapMb - first.liveHeapMb) / Math.max(hours, 1e-9), peakRss: Math.max(...samples.map((sample) => sample.rssMb)) };
	};
	const mine = growth(patched);
	const theirs = growth(shipped);
	console.log(`\nafter ${warmupMinutes} min of warm-up: live heap ${signed(mine.heap)} MB (${signed(mine.perHour)} MB/h), RSS ${signed(mine.rss)} MB, peak RSS ${mine.peakRss.toFixed(0)} MB`);
	console.log(`Ink as shipped (baseline):  live heap ${signed(theirs.heap)} MB (${signed(theirs.perHour)} MB/h), RSS ${signed(theirs.rss)} MB, peak RSS ${theirs.peakRss.toFixed(0)} MB`);
	const flat = mine.heap < 2;
	console.log(`live heap flat after warm-up [target: grows < 2 MB]: ${flat ? '✓' : '✗'}; load ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
	if (!flat) process.exitCode = 1;
}

const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

function child(script: string): Promise<Sample[]> {
	// Ink draws nothing when it thinks it runs in CI.
	const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'CI' && key !== 'CONTINUOUS_INTEGRATION'));
	const started = spawn(process.execPath, ['--expose-gc', script, 'workload'], { env: { ...env, NODE_ENV: 'production', BENCH_SOAK_MINUTES: String(minutes) }, stdio: ['ignore', 'pipe', 'inherit'] });
	const samples: Sample[] = [];
	let pending = '';
	started.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		pending += chunk;
		const lines = pending.split('\n');
		pending = lines.pop() ?? '';
		for (const line of lines) if (line.startsWith('{')) samples.push(JSON.parse(line) as Sample);
	});
	return new Promise((resolve, reject) => started.on('close', (code) => (code === 0 ? resolve(samples) : reject(new Error(`${script}: the soak workload failed (exit ${code})`)))));
}

/** In the child: the console, fed for `minutes`, printing a sample a line. */
async function workload(): Promise<void> {
	const names = Array.from({ length: hosts }, (_, index) => `web-${String(index + 1).padStart(3, '0')}`);
	const config = fleetConfig(names.map((name, index) => hostConfig(name, ['web', index % 2 === 0 ? 'eu' : 'us'])));
	const recordDir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-soak-'));
	const { instance, emit, keyboard, controller, store, recorder } = mountConsole({ config, recordDir, columns: 120, rows: 40, operator: 'bench@soak' });
	const phases: Phase[] = ['preflight', 'upload', 'switch', 'validate'];
	emit({ type: 'run-started', runId: 'bench-soak', kind: 'deploy', release: '20261122-0000-soak', hosts: names, phases, at: new Date().toISOString() });
	for (const host of names) emit({ type: 'phase', host, phase: 'switch', status: 'running' });
	const started = performance.now();
	const sent = new Map(names.map((name) => [name, 0]));
	let nextSample = 0;
	let moves = 0;
	for (;;) {
		const seconds = (performance.now() - started) / 1000;
		if (seconds >= minutes * 60) break;
		const due = Math.floor(seconds * rate);
		for (const host of names) {
			for (let line = sent.get(host)!; line < due; line++) emit({ type: 'log', host, stream: 'stdout', line: `${host} ${new Date().toISOString()} request ${line + 1}: GET /api/orders?page=${line % 50} 200 ${(line * 7) % 300}ms` });
			sent.set(host, due);
		}
		// The operator looks at another host now and then: its log pane fills with its lines.
		if (seconds >= moves * 5) keyboard.press(moves++ % 20 < 10 ? 'j' : 'k');
		if (seconds >= nextSample) {
			(globalThis as { gc?: () => void }).gc?.();
			process.stdout.write(`${JSON.stringify({ seconds, rssMb: process.memoryUsage().rss / 1048576, liveHeapMb: process.memoryUsage().heapUsed / 1048576 } satisfies Sample)}\n`);
			nextSample += sampleSeconds;
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	instance.unmount();
	await controller.dispose();
	store.getState().dispose();
	await recorder.close();
	rmSync(recordDir, { recursive: true, force: true });
	process.exit(0);
}

await main();
