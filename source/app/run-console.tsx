import { render } from 'ink';
import type { Config, WaveConfig } from '../config/types.js';
import type { Skips } from '../engine/activation.js';
import { withOverrides } from '../engine/waves.js';
import type { Plan } from '../store/ui-slice.js';
import type { OpenTransport } from '../engine/requests.js';
import { exitCode, type Interruption } from '../engine/outcome/exit-code.js';
import { sessionTally } from '../engine/outcome/session.js';
import { formatSession } from '../engine/outcome/words.js';
import { runsDir } from '../record/run-recorder.js';
import { createConsoleStore } from '../store/console-store.js';
import { ConsoleApp } from './console-app.js';
import { consoleEnvironment } from './environment/environment-choices.js';
import { ConsoleProvider } from './console-context.js';
import { createConsoleController, type ConsoleController, type ConsoleEngine } from './controller.js';
import { lazyEngine } from './lazy-engine.js';

export interface RunConsoleOptions {
	readonly config: Config;
	/** Hosts to start selected (from --host / --tag). */
	readonly preselect?: { readonly hosts: string[]; readonly tags: string[] };
	readonly openTransport: OpenTransport;
	readonly jobs?: number;
	readonly operator?: string;
	/** Tests and demos may swap the engine; the CLI leaves it out. */
	readonly engine?: ConsoleEngine;
	readonly stdin?: NodeJS.ReadStream;
	readonly stdout?: NodeJS.WriteStream;
	/** The config has environments: `E` leaves the console for the caller to pick another and reopen it. */
	readonly environments?: boolean;
	/**
	 * Hands `interrupt` each signal that ends the console from outside (SIGTERM, SIGHUP, Ctrl-C sent
	 * as a signal) until the returned function is called: the CLI's `onInterruption`.
	 */
	readonly onInterruption: (interrupt: (why: Interruption) => void) => () => void;
	/** What deploys start as (from the command line): the plan, skipped steps, waves over hosts.toml's. */
	readonly plan?: Plan;
	readonly skips?: Skips;
	readonly waves?: Partial<WaveConfig>;
	/** The closing summary lists every host, the ones that ended well too. */
	readonly verbose?: boolean;
}

export interface ConsoleExit {
	/** The exit status of the hosts as the session left them, by the same rule as headless. */
	readonly code: number;
	/** The operator asked for another environment (`E`): pick one and open the console again. */
	readonly switchEnvironment: boolean;
}

const enterAlternateScreen = '\x1b[?1049h\x1b[H';
const leaveAlternateScreen = '\x1b[?1049l';
// Bracketed paste: the terminal marks pasted text, so a paste is typed into a field and never acts as keys.
const startBracketedPaste = '\x1b[?2004h';
const stopBracketedPaste = '\x1b[?2004l';
const showCursor = '\x1b[?25h';

/**
 * The interactive console on the alternate screen. Resolves with the exit code once the
 * operator quits and the run in flight (if any) has wound down: by the same rule as headless
 * (`exitCode`), over the session's tally (each host as its latest run left it), 0 when nothing
 * ran. After the screen closes it prints every run of the session and the hosts that need
 * attention (one run: its summary, as a headless run ends with it).
 */
export async function runConsole(options: RunConsoleOptions): Promise<ConsoleExit> {
	const stdout = options.stdout ?? process.stdout;
	const store = createConsoleStore({
		hosts: options.config.hosts,
		preselect: options.preselect,
		...(options.plan ? { plan: options.plan } : {}),
		...(options.skips ? { skips: options.skips } : {}),
		waves: withOverrides(options.config.waves, options.waves ?? {}),
	});
	const controller = createConsoleController({
		config: options.config,
		store,
		engine: options.engine ?? lazyEngine,
		openTransport: options.openTransport,
		jobs: options.jobs,
		operator: options.operator,
	});

	let restored = false;
	const restore = (): void => {
		if (restored) return;
		restored = true;
		stdout.write(stopBracketedPaste + leaveAlternateScreen + showCursor);
	};
	// Signals and crashes must not leave the operator's terminal on the alternate screen.
	let signalled: Interruption | undefined;
	const onSignal = (why: Interruption): void => {
		signalled = why;
		controller.cancel();
		instance.unmount();
		restore();
	};
	const onCrash = (error: unknown): void => {
		restore();
		process.stderr.write(`switchyard console crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(70);
	};

	type Listener = [string, Parameters<typeof process.on>[1]];
	const listeners: Listener[] = [
		['uncaughtException', onCrash],
		['unhandledRejection', onCrash],
		['exit', restore],
	];
	stdout.write(enterAlternateScreen + startBracketedPaste);
	// A closed terminal window (SIGHUP) must still cancel cleanly, or the run's locks outlive it.
	const stopListening = options.onInterruption(onSignal);
	for (const [event, listener] of listeners) process.on(event, listener);

	let exit = (): void => {};
	let switchEnvironment = false;
	const services = {
		store,
		controller,
		exit: () => exit(),
		...(options.environments
			? {
					switchEnvironment: () => {
						switchEnvironment = true;
						exit();
					},
				}
			: {}),
	};
	const instance = render(
		<ConsoleProvider services={services}>
			<ConsoleApp app={options.config.app.name} environment={consoleEnvironment(options.config)} />
		</ConsoleProvider>,
		{ stdout, stdin: options.stdin ?? process.stdin, exitOnCtrlC: false, patchConsole: true, maxFps: 30 },
	);
	exit = () => instance.unmount();
	// Once the first frame is out (so neither delays it): what the run records last said of each
	// host, then what one read of the hosts finds (generations, staged ones, lock). Tiles show
	// "gen N" from the start; a slow or unreachable host only delays its own tile.
	setTimeout(() => {
		void controller.recall();
		void controller.refreshGenerations();
	}, 30);

	try {
		await instance.waitUntilExit();
	} finally {
		restore();
		stopListening();
		for (const [event, listener] of listeners) process.off(event, listener);
	}
	if (controller.isBusy()) process.stderr.write('switchyard: waiting for the cancelled run to wind down (in-flight switches finish, locks are released)…\n');
	await controller.dispose();
	const runs = controller.sessionRuns();
	if (runs.length > 0) {
		const recorded = runs.length === 1 ? controller.runDir() : undefined;
		const where = recorded ? `Run recorded in ${recorded}` : `Runs recorded in ${runsDir(options.config.dir)} (switchyard runs lists them)`;
		stdout.write(`${[...formatSession(runs, { verbose: options.verbose }), where].join('\n')}\n`);
	}
	return { code: exitCode(sessionTally(runs), signalled), switchEnvironment: switchEnvironment && signalled === undefined };
}

export type { ConsoleController };
