import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Phase, RunSummary } from '../source/engine/events.js';
import { tallyOfRun } from '../source/engine/outcome/tally.js';
import { fleetConfig, hostConfig } from '../test/store/host-fixtures.js';
import { mountConsole } from './support/headless-console.js';

/**
 * The console under a log flood, in its own process (started by bench/ui.ts) so CPU time and
 * RSS are the console's own: the real store, controller and Ink app rendering into a headless
 * terminal, fed engine events the way the engine's emit feeds them, while the real run recorder
 * writes the per-host log files. Meanwhile an operator presses keys: single ones, each timed
 * from the key to the first frame that shows its effect, then 1,000 typed ahead in one read,
 * which must all be handled. Prints one JSON line with the figures.
 */
export interface WorkloadOptions {
	readonly hosts: number;
	readonly linesPerSecond: number;
	readonly seconds: number;
	readonly columns: number;
	readonly rows: number;
}

export interface WorkloadResult {
	readonly seconds: number;
	readonly commits: number;
	readonly inkRenders: number;
	readonly frames: number;
	readonly writes: number;
	readonly bytes: number;
	readonly cpuMs: number;
	readonly peakRssMb: number;
	readonly heapLiveMb: number;
	/** Largest V8 heap (used, total) and memory outside it (buffers) seen during the flood. */
	readonly peakHeapUsedMb: number;
	readonly peakHeapTotalMb: number;
	readonly peakExternalMb: number;
	readonly loopDelayP99Ms: number;
	readonly linesSent: number;
	readonly linesInFiles: number;
	/** Hosts whose log pane got the last line sent. */
	readonly consoleHostsComplete: number;
	readonly missingHosts: string[];
	readonly lastFrameHasHosts: boolean;
	/** Key → frame showing its effect, ms, one per probe. */
	readonly keyLatenciesMs: number[];
	/** 1,000 keys in one read: until the frame showed where they lead. */
	readonly typeaheadMs: number;
	readonly typeaheadKeys: number;
	/** Keys read but never handled (the queue's counts at the end). */
	readonly keysLost: number;
	/** The focus ended where the 1,000 keys lead (none lost, none doubled). */
	readonly typeaheadLanded: boolean;
}

/**
 * React commits, counted through the DevTools hook: React calls it on every commit, in the
 * production build too, where <Profiler> reports nothing. Ink connects it only when DEV=true
 * (bench/ui.ts sets that; the missing react-devtools-core is then only warned about).
 */
function countCommits(): { count: number } {
	const counter = { count: 0 };
	(globalThis as Record<string, unknown>).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
		isDisabled: false,
		supportsFiber: true,
		renderers: new Map(),
		inject: () => 1,
		checkDCE: () => {},
		onScheduleFiberRoot: () => {},
		onCommitFiberRoot: () => (counter.count += 1),
		onCommitFiberUnmount: () => {},
		onPostCommitFiberRoot: () => {},
	};
	return counter;
}

const phases: readonly Phase[] = ['preflight', 'upload', 'switch', 'validate'];

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
	const commits = countCommits();

	const names = Array.from({ length: options.hosts }, (_, index) => `web-${String(index + 1).padStart(3, '0')}`);
	const config = fleetConfig(names.map((name, index) => hostConfig(name, ['web', index % 2 === 0 ? 'eu' : 'us'])));
	const recordDir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-ui-'));
	const { store, controller, recorder, terminal, keyboard, instance, emit, keys: keyQueue, inkRenders } = mountConsole({ config, recordDir, columns: options.columns, rows: options.rows, operator: 'bench@ui' });
	await until(() => terminal.last.includes('web-001'), () => `no hosts in ${terminal.writes} writes; last: ${JSON.stringify(terminal.last.slice(0, 400))}`);

	// A key, and the text the first frame after it must show: timed from press to that frame.
	const latencies: number[] = [];
	let probe: { shows: string; at: number; resolve: () => void } | null = null;
	terminal.onFrame = (text) => {
		if (probe && text.includes(probe.shows)) {
			latencies.push(performance.now() - probe.at);
			probe.resolve();
			probe = null;
		}
	};
	const pressAndWait = (data: string, shows: string): Promise<number> =>
		new Promise((resolve) => {
			const at = performance.now();
			probe = { shows, at, resolve: () => resolve(performance.now() - at) };
			keyboard.press(data);
		});
	// j and k in turn: the header says which host has the focus ("host 2/200").
	const probeTimes = { first: 1, last: Math.max(2, options.seconds - 4), every: 0.3 };
	let probes = 0;
	let probing: Promise<number> | null = null;
	const typeahead = `${'j'.repeat(options.hosts - 1)}${'kj'.repeat(400)}k`.slice(0, 1000);
	let typeaheadMs = 0;
	let typeaheadStarted = false;

	const peaks = { used: 0, total: 0, external: 0 };
	const sampleMemory = setInterval(() => {
		const memory = process.memoryUsage();
		peaks.used = Math.max(peaks.used, memory.heapUsed);
		peaks.total = Math.max(peaks.total, memory.heapTotal);
		peaks.external = Math.max(peaks.external, memory.external + memory.arrayBuffers);
	}, 100);
	const loopDelay = monitorEventLoopDelay({ resolution: 10 });
	loopDelay.enable();
	const cpuBefore = process.cpuUsage();
	const commitsBefore = commits.count;
	const inkBefore = inkRenders();
	const framesBefore = terminal.frames;
	const writesBefore = terminal.writes;
	const bytesBefore = terminal.bytes;
	const started = performance.now();

	emit({ type: 'run-started', runId: 'bench-ui', kind: 'deploy', release: '20261122-0000-bench', hosts: names, phases: [...phases], at: new Date().toISOString() });
	const perHost = options.linesPerSecond * options.seconds;
	const sent = new Map(names.map((name) => [name, 0]));
	let phaseIndex = -1;
	let step = 0;
	for (;;) {
		const elapsed = (performance.now() - started) / 1000;
		const done = elapsed >= options.seconds;
		// A phase change every quarter of the run and a deploy-script step every two seconds, per host.
		const nextPhase = Math.min(phases.length - 1, Math.floor((elapsed / options.seconds) * phases.length));
		if (nextPhase !== phaseIndex && !done) {
			for (const host of names) {
				if (phaseIndex >= 0) emit({ type: 'phase', host, phase: phases[phaseIndex]!, status: 'ok', ms: 1 });
				emit({ type: 'phase', host, phase: phases[nextPhase]!, status: 'running' });
			}
			phaseIndex = nextPhase;
		}
		if (Math.floor(elapsed / 2) > step && !done) {
			for (const host of names) {
				emit({ type: 'step', host, name: `step-${step}`, state: 'success' });
				emit({ type: 'step', host, name: `step-${step + 1}`, state: 'running', message: 'migrating' });
			}
			step += 1;
		}
		const due = done ? perHost : Math.floor(elapsed * options.linesPerSecond);
		for (const host of names) {
			for (let line = sent.get(host)!; line < due; line += 1) {
				emit({ type: 'log', host, stream: line % 17 === 0 ? 'stderr' : 'stdout', line: `${host} bench line ${line + 1}: GET /api/orders?page=${line % 50} 200 ${(line * 7) % 300}ms` });
			}
			sent.set(host, due);
		}
		if (!probing && elapsed >= probeTimes.first + probes * probeTimes.every && elapsed < probeTimes.last) {
			const down = probes % 2 === 0;
			probes += 1;
			probing = pressAndWait(down ? 'j' : 'k', `host ${down ? 2 : 1}/${names.length}`).finally(() => (probing = null));
		}
		// Near the end, still streaming: 1,000 keys typed ahead arrive in one read.
		if (!typeaheadStarted && !probing && elapsed >= options.seconds - 2.5) {
			typeaheadStarted = true;
			const at = performance.now();
			const landed = `host ${names.length - 1}/${names.length}`;
			void new Promise<void>((resolve) => {
				probe = { shows: landed, at, resolve };
				keyboard.press(typeahead);
			}).then(() => {
				typeaheadMs = performance.now() - at;
				latencies.pop();
			});
		}
		if (done) break;
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	for (const host of names) {
		emit({ type: 'phase', host, phase: phases[phaseIndex]!, status: 'ok', ms: 1 });
		emit({ type: 'host-done', host, outcome: 'ok' });
	}
	const outcomes = Object.fromEntries(names.map((host) => [host, 'ok' as const]));
	const summary: RunSummary = { kind: 'deploy', tally: tallyOfRun('deploy', phases, Object.values(outcomes)), outcomes, reasons: {}, current: {} };
	emit({ type: 'run-finished', runId: 'bench-ui', summary, at: new Date().toISOString(), cancelled: false });
	// The last batch reaches the screen within one publish interval and one frame.
	// The console keeps the newest lines only; the last one sent must be among them.
	const lastLineShown = (host: string): number => {
		const log = store.getState().logOf(host);
		for (let index = log.length - 1; index >= 0; index -= 1) {
			const match = / bench line (\d+):/.exec(log.at(index)?.text ?? '');
			if (match) return Number(match[1]);
		}
		return 0;
	};
	const hostsComplete = () => names.filter((host) => lastLineShown(host) === perHost).length;
	await until(
		() => hostsComplete() === names.length,
		() => `the console has the last line of ${hostsComplete()} of ${names.length} hosts`,
	);
	await until(() => typeaheadMs > 0, () => `the typed-ahead keys never showed where they lead (focus ${store.getState().focus}; keys ${JSON.stringify(keyQueue()?.counts)})`);
	await new Promise((resolve) => setTimeout(resolve, 250));
	const seconds = (performance.now() - started) / 1000;
	const cpu = process.cpuUsage(cpuBefore);
	loopDelay.disable();

	clearInterval(sampleMemory);
	const peakRssMb = process.resourceUsage().maxRSS / 1024;
	// What the console really holds (ring buffers, views), as opposed to garbage V8 let pile up.
	(globalThis as { gc?: () => void }).gc?.();
	const heapLiveMb = process.memoryUsage().heapUsed / 1024 / 1024;
	const lastFrameHasHosts = terminal.last.includes('web-');
	const counts = keyQueue()?.counts ?? { received: 0, handled: 0 };
	const typeaheadLanded = store.getState().focus === names.at(-2);
	const complete = hostsComplete();
	instance.unmount();
	await controller.dispose();
	store.getState().dispose();
	await recorder.close();

	let linesInFiles = 0;
	const missingHosts: string[] = [];
	for (const host of names) {
		const file = path.join(recorder.runDir!, 'hosts', `${host}.log`);
		const count = readFileSync(file, 'utf8')
			.split('\n')
			.filter((line) => line.includes(`${host} bench line `)).length;
		linesInFiles += count;
		if (count !== perHost) missingHosts.push(`${host}: ${count}/${perHost}`);
	}
	rmSync(recordDir, { recursive: true, force: true });

	return {
		seconds,
		commits: commits.count - commitsBefore,
		inkRenders: inkRenders() - inkBefore,
		frames: terminal.frames - framesBefore,
		writes: terminal.writes - writesBefore,
		bytes: terminal.bytes - bytesBefore,
		cpuMs: (cpu.user + cpu.system) / 1000,
		peakRssMb,
		heapLiveMb,
		peakHeapUsedMb: peaks.used / 1024 / 1024,
		peakHeapTotalMb: peaks.total / 1024 / 1024,
		peakExternalMb: peaks.external / 1024 / 1024,
		loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
		linesSent: perHost * names.length,
		linesInFiles,
		consoleHostsComplete: complete,
		missingHosts,
		lastFrameHasHosts,
		keyLatenciesMs: latencies,
		typeaheadMs,
		typeaheadKeys: typeahead.length,
		keysLost: counts.received - counts.handled,
		typeaheadLanded,
	};
}

async function until(test: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!test()) {
		if (Date.now() > deadline) throw new Error(`bench workload: timed out: ${what()}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
