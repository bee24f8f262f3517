import { render } from 'ink';
import type { Config } from '../config/types.js';
import type { OpenTransport } from '../engine/requests.js';
import { exitCode, interruptingSignals, interruptionOf, type Interruption } from '../engine/outcome/exit-code.js';
import { formatSummary } from '../engine/outcome/words.js';
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
}

export interface ConsoleExit {
	/** The exit status, by the same rule as headless. */
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
 * operator quits and the run in flight (if any) has wound down: the last run's, by the same
 * rule as headless (`exitCode`), 0 when nothing ran. After the screen closes it prints that
 * run's summary, as a headless run ends with it.
 */
export async function runConsole(options: RunConsoleOptions): Promise<ConsoleExit> {
	const stdout = options.stdout ?? process.stdout;
	const store = createConsoleStore({ hosts: options.config.hosts, preselect: options.preselect });
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
	const onSignal = (signal: NodeJS.Signals): void => {
		signalled = interruptionOf(signal);
		controller.cancel();
		instance.unmount();
		restore();
	};
	const onCrash = (error: unknown): void => {
		restore();
		process.stderr.write(`switchyard console crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(70);
	};

	// A closed terminal window (SIGHUP) must still cancel cleanly, or the run's locks outlive it.
	type Listener = [string, Parameters<typeof process.on>[1]];
	const listeners: Listener[] = [
		...interruptingSignals.map((signal): Listener => [signal, onSignal]),
		['uncaughtException', onCrash],
		['unhandledRejection', onCrash],
		['exit', restore],
	];
	stdout.write(enterAlternateScreen + startBracketedPaste);
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
	// Tiles show "gen N" from the start; a slow or unreachable host only delays its own tile.
	// Asked once the first frame is out, so a large fleet's listing doesn't delay it.
	setTimeout(() => void controller.refreshGenerations(), 30);

	try {
		await instance.waitUntilExit();
	} finally {
		restore();
		for (const [event, listener] of listeners) process.off(event, listener);
	}
	if (controller.isBusy()) process.stderr.write('switchyard: waiting for the cancelled run to wind down (in-flight switches finish, locks are released)…\n');
	await controller.dispose();
	const summary = store.getState().run.summary;
	if (summary) {
		const recorded = controller.runDir();
		stdout.write(`${[...formatSummary(summary), ...(recorded ? [`Run recorded in ${recorded}`] : [])].join('\n')}\n`);
	}
	return { code: exitCode(summary, signalled), switchEnvironment: switchEnvironment && signalled === undefined };
}

export type { ConsoleController };
