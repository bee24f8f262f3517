import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TmuxTerminal } from '../test/support/tmux.js';

/**
 * Time from starting a process in a real terminal (tmux, private socket) to the screen showing
 * what it should: for the console, its first full frame (header with the host count and the key
 * hints on the last line). Includes tmux's own start of the process and the polling of the
 * screen, which is why `node -e` measured the same way is the baseline. Also the CPU time the
 * process had used by then (/proc/<pid>/schedstat): on a machine shared with other work the wall
 * time is mostly waiting for a core, the CPU time is what the start itself costs.
 */
export interface StartupSample {
	readonly name: string;
	readonly medianMs: number;
	readonly minMs: number;
	/** Median CPU time of the process when its frame was on screen; NaN where /proc cannot tell. */
	readonly medianCpuMs: number;
}

export function measureStartup(options: { cli: string; demoConfig: string; cwd: string; rounds: number }): StartupSample[] {
	const fleetDir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-startup-'));
	const bigConfig = path.join(fleetDir, 'hosts.toml');
	writeFileSync(bigConfig, generatedFleet(200));
	const hugeConfig = path.join(fleetDir, 'hosts-1000.toml');
	writeFileSync(hugeConfig, generatedFleet(1000));
	const terminal = TmuxTerminal.start({ command: 'exec cat', cwd: options.cwd, columns: 100, rows: 30, env: { TERM: 'xterm-256color' } });
	try {
		// Alive a little after it has written, so that its CPU time can be read once the screen shows it.
		const baseline = (round: number) => time(terminal, `node -e "process.stdout.write('node ready ${round}'); setTimeout(() => {}, 500)"; exec cat`, (screen) => screen.includes(`node ready ${round}`), false);
		const consoleOn = (config: string, hosts: number) => () =>
			time(terminal, `node ${options.cli} --config ${config}; echo switchyard-exited; exec cat`, (screen) => fullFrame(screen, hosts), true);
		return [
			sample('node -e 0 (baseline)', options.rounds, baseline),
			sample('console, demo fleet (4 hosts)', options.rounds, consoleOn(options.demoConfig, 4)),
			sample('console, 200 local hosts', options.rounds, consoleOn(bigConfig, 200)),
			sample('console, 1000 local hosts', Math.max(1, Math.floor(options.rounds / 2)), consoleOn(hugeConfig, 1000)),
		];
	} finally {
		terminal.kill();
		rmSync(fleetDir, { recursive: true, force: true });
	}
}

export interface ScrollSample {
	/** Start to the first full frame. */
	readonly openMs: number;
	/** End pressed → the last host focused on screen; then PgUp → the page above. */
	readonly endMs: number;
	readonly pageUpMs: number;
	readonly homeMs: number;
}

/** A 1000-host config in a real terminal: opens, End, PgUp, Home, each until the screen shows it. */
export function measureScroll(options: { cli: string; cwd: string; hosts: number }): ScrollSample {
	const fleetDir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-scroll-'));
	const config = path.join(fleetDir, 'hosts.toml');
	writeFileSync(config, generatedFleet(options.hosts));
	const terminal = TmuxTerminal.start({ command: 'exec cat', cwd: options.cwd, columns: 100, rows: 30, env: { TERM: 'xterm-256color' } });
	const last = `node-${String(options.hosts).padStart(3, '0')}`;
	const focused = (name: string) => (screen: string) => new RegExp(`^▸[○◉] . ${name} `, 'm').test(screen);
	try {
		const openMs = time(terminal, `node ${options.cli} --config ${config}; echo switchyard-exited; exec cat`, (screen) => fullFrame(screen, options.hosts), false).wallMs;
		const key = (name: string, shown: (screen: string) => boolean): number => {
			const started = performance.now();
			terminal.send(name);
			const deadline = started + 10_000;
			while (!shown(terminal.capture())) {
				if (performance.now() > deadline) throw new Error(`scroll: ${name} never showed its effect:\n${terminal.capture()}`);
				pause(pollMs);
			}
			return performance.now() - started;
		};
		const endMs = key('End', focused(last));
		const pageUpMs = key('PageUp', (screen) => !focused(last)(screen) && /^▸[○◉]/m.test(screen) && screen.includes('more ↑'));
		const homeMs = key('Home', focused('node-001'));
		terminal.send('q');
		return { openMs, endMs, pageUpMs, homeMs };
	} finally {
		terminal.kill();
		rmSync(fleetDir, { recursive: true, force: true });
	}
}

/** The console's first complete frame: the header counts the hosts, the hints line is drawn. */
function fullFrame(screen: string, hosts: number): boolean {
	const lines = screen.trimEnd().split('\n');
	return (lines[0] ?? '').includes(`0 of ${hosts} selected`) && (lines.at(-1) ?? '').startsWith('? help');
}

function time(terminal: TmuxTerminal, command: string, shown: (screen: string) => boolean, quit: boolean): { wallMs: number; cpuMs: number } {
	terminal.tmux('clear-history', '-t', terminal.session);
	const started = performance.now();
	terminal.tmux('respawn-pane', '-k', '-t', terminal.session, command);
	const shell = Number(terminal.pane('pane_pid'));
	let node: number | undefined;
	const deadline = started + 10_000;
	for (;;) {
		node ??= childOf(shell);
		if (shown(terminal.capture())) break;
		if (performance.now() > deadline) throw new Error(`startup: the screen never showed what \`${command}\` draws:\n${terminal.capture()}`);
		pause(pollMs);
	}
	const wallMs = performance.now() - started;
	const cpuMs = node === undefined ? Number.NaN : cpuTimeMs(node);
	if (quit) {
		terminal.send('q');
		// Quitting waits for the generation listing of every host begun at start (bounded by the command deadlines).
		const quitBy = performance.now() + 60_000;
		while (!terminal.capture().includes('switchyard-exited')) {
			if (performance.now() > quitBy) throw new Error(`startup: the console did not quit on q:\n${terminal.capture()}`);
			pause(20);
		}
	}
	return { wallMs, cpuMs };
}

/** The process the pane's shell started (`node …`), once it has. */
function childOf(pid: number): number | undefined {
	try {
		const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
		return children.length > 0 ? Number(children[0]) : undefined;
	} catch {
		return undefined;
	}
}

/** Time the process has run on a CPU so far (schedstat's first field, ns). */
function cpuTimeMs(pid: number): number {
	try {
		return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
	} catch {
		return Number.NaN;
	}
}

/** Between screen polls: each capture starts a tmux client, which would otherwise take the CPU the process being timed needs. */
const pollMs = 4;

function pause(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function sample(name: string, rounds: number, run: (round: number) => { wallMs: number; cpuMs: number }): StartupSample {
	run(-1); // warm the file cache (and the code cache); not counted
	const runs = Array.from({ length: rounds }, (_, round) => run(round));
	const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
	const walls = runs.map((each) => each.wallMs);
	return { name, medianMs: median([...walls]), minMs: Math.min(...walls), medianCpuMs: median(runs.map((each) => each.cpuMs)) };
}

/** A hosts.toml of `count` local hosts; nothing is deployed, so roots need not exist. */
function generatedFleet(count: number): string {
	const hosts = Array.from({ length: count }, (_, index) => {
		const name = `node-${String(index + 1).padStart(3, '0')}`;
		return `[[host]]\nname = "${name}"\nlocal = true\ntags = ["${index % 2 === 0 ? 'eu' : 'us'}", "rack-${index % 10}"]\n`;
	});
	return ['[app]\nname = "big"\n', '[build]\ncommand = "true"\nartifact = "dist"\n', '[defaults]\nroot = "hosts/{host}"\n', ...hosts].join('\n');
}
