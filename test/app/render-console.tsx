import { render } from 'ink-testing-library';
import { useEffect, useState, type ReactNode } from 'react';
import type { Config, HostConfig, WaveConfig } from '../../source/config/types.js';
import { withOverrides } from '../../source/engine/waves.js';
import { ConsoleApp } from '../../source/app/console-app.js';
import { consoleEnvironment } from '../../source/app/environment/environment-choices.js';
import { ConsoleProvider } from '../../source/app/console-context.js';
import { createConsoleController, type ConsoleController, type ConsoleEngine } from '../../source/app/controller.js';
import type { OpenTransport } from '../../source/engine/requests.js';
import { createConsoleStore, type ConsoleStore } from '../../source/store/console-store.js';
import type { Plan } from '../../source/store/ui-slice.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { fleetConfig } from '../store/host-fixtures.js';
import { waitFor, waitForFrame } from './keys.js';

export interface RenderConsoleOptions {
	readonly hosts?: readonly HostConfig[];
	readonly config?: Config;
	readonly engine: ConsoleEngine;
	readonly columns?: number;
	readonly rows?: number;
	readonly preselect?: { readonly hosts: readonly string[]; readonly tags: readonly string[] };
	readonly openTransport?: OpenTransport;
	/** Wave flags the console is started with (over the config's), as `switchyard --canary …` gives them. */
	readonly waves?: Partial<WaveConfig>;
	readonly plan?: Plan;
}

export interface RenderedConsole extends ReturnType<typeof render> {
	readonly store: ConsoleStore;
	readonly controller: ConsoleController;
	/** True once the console asked to exit (q, confirmed quit). */
	readonly exited: () => boolean;
	/** Changes the terminal size as a real resize would. */
	readonly resize: (columns: number, rows: number) => void;
}

/**
 * The console at a fixed terminal size. ink-testing-library's stdout is 100 columns with no rows
 * and no option to change that, so the size is set on the instance and announced with 'resize',
 * exactly what a terminal does.
 */
export async function renderConsole(options: RenderConsoleOptions): Promise<RenderedConsole> {
	const config = options.config ?? fleetConfig(options.hosts ?? []);
	const store = createConsoleStore({ hosts: config.hosts, preselect: options.preselect, publishIntervalMs: 30, waves: withOverrides(config.waves, options.waves ?? {}), ...(options.plan ? { plan: options.plan } : {}) });
	const controller = createConsoleController({ config, store, engine: options.engine, openTransport: options.openTransport ?? transportFactory(), operator: 'tester@test' });
	let exited = false;
	let unmount = (): void => {};
	const services = {
		store,
		controller,
		exit: () => {
			exited = true;
			unmount();
		},
	};
	const result = render(
		<AfterFirstCommit>
			<ConsoleProvider services={services}>
				<ConsoleApp app={config.app.name} environment={consoleEnvironment(config)} />
			</ConsoleProvider>
		</AfterFirstCommit>,
	);
	unmount = result.unmount;
	const resize = (columns: number, rows: number): void => {
		Object.defineProperty(result.stdout, 'columns', { value: columns, configurable: true });
		Object.defineProperty(result.stdout, 'rows', { value: rows, configurable: true });
		result.stdout.emit('resize');
	};
	resize(options.columns ?? 100, options.rows ?? 30);
	await waitForFrame(result.lastFrame, 'Switchyard');
	// useInput subscribes in an effect; keys typed before that would be lost.
	await waitFor(() => result.stdin.listenerCount('readable') > 0, 'the console to listen to stdin');
	return { ...result, store, controller, exited: () => exited, resize };
}

/** Mounts the console only after the size is set, so no frame is drawn at the default 100 columns. */
function AfterFirstCommit({ children }: { readonly children: ReactNode }) {
	const [ready, setReady] = useState(false);
	useEffect(() => setReady(true), []);
	return ready ? children : null;
}

/** Lines of a frame, for height checks. */
export function frameLines(frame: string): string[] {
	return frame.split('\n');
}
