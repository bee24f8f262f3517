import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { render, type Instance } from 'ink';
import { ConsoleApp } from '../../source/app/console-app.js';
import { ConsoleProvider } from '../../source/app/console-context.js';
import type { KeyQueue } from '../../source/app/input/key-queue.js';
import { createConsoleController, type ConsoleController } from '../../source/app/controller.js';
import type { Config } from '../../source/config/types.js';
import * as engine from '../../source/engine/index.js';
import type { EngineEvent } from '../../source/engine/events.js';
import { RunRecorder } from '../../source/record/run-recorder.js';
import { createConsoleStore, type ConsoleStore } from '../../source/store/console-store.js';
import { transportFactory } from '../../source/transport/open-transport.js';

/** The console as run-console.tsx makes it (store, controller, Ink app, run recorder), drawing into a headless terminal, for the benches. */

/**
 * Ink writes a frame as one write; around it come synchronized-output markers and cursor
 * show/hide sequences, which are not frames.
 */
const isFrame = (text: string): boolean => text.length > 16;

/** What Ink sees as a terminal: fixed size, a TTY, every write counted and dropped. */
export class HeadlessTerminal extends Writable {
	readonly isTTY = true;
	writes = 0;
	frames = 0;
	bytes = 0;
	last = '';
	/** Called with every frame as it is written. */
	onFrame: (text: string) => void = () => {};

	constructor(
		readonly columns: number,
		readonly rows: number,
	) {
		super();
	}

	override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
		const text = chunk.toString();
		this.writes += 1;
		this.bytes += Buffer.byteLength(text);
		if (isFrame(text)) {
			this.frames += 1;
			this.last = text;
			this.onFrame(text);
		}
		done();
	}
}

/** A TTY stdin as far as Ink is concerned (raw mode, 'readable'), typed on by `press`. */
export class Keyboard extends EventEmitter {
	readonly isTTY = true;
	private readonly pending: string[] = [];
	/** One read's worth of input, as a terminal delivers it. */
	press(data: string): void {
		this.pending.push(data);
		this.emit('readable');
	}
	setRawMode(): this {
		return this;
	}
	setEncoding(): this {
		return this;
	}
	read(): string | null {
		return this.pending.shift() ?? null;
	}
	resume(): this {
		return this;
	}
	pause(): this {
		return this;
	}
	ref(): this {
		return this;
	}
	unref(): this {
		return this;
	}
}

export interface HeadlessConsole {
	readonly store: ConsoleStore;
	readonly controller: ConsoleController;
	readonly recorder: RunRecorder;
	readonly terminal: HeadlessTerminal;
	readonly keyboard: Keyboard;
	readonly instance: Instance;
	/** Engine events as the engine's emit hands them out: to the store and to the recorder. */
	readonly emit: (event: EngineEvent) => void;
	/** The key queue, once the app has handed it over. */
	keys(): KeyQueue | null;
	inkRenders(): number;
}

export function mountConsole(options: { config: Config; recordDir: string; columns: number; rows: number; operator: string }): HeadlessConsole {
	// The store and controller as run-console.tsx makes them (default publish interval).
	const store = createConsoleStore({ hosts: options.config.hosts, waves: options.config.waves });
	const controller = createConsoleController({ config: options.config, store, engine, openTransport: transportFactory(), operator: options.operator });
	const recorder = new RunRecorder(options.recordDir);
	const terminal = new HeadlessTerminal(options.columns, options.rows);
	const keyboard = new Keyboard();
	let keys: KeyQueue | null = null;
	let renders = 0;
	const instance = render(
		<ConsoleProvider services={{ store, controller, exit: () => {}, onKeyQueue: (queue) => (keys = queue) }}>
			<ConsoleApp app="bench" />
		</ConsoleProvider>,
		{
			stdout: terminal as unknown as NodeJS.WriteStream,
			stdin: keyboard as unknown as NodeJS.ReadStream,
			exitOnCtrlC: false,
			patchConsole: false,
			// What run-console.tsx passes.
			maxFps: 30,
			onRender: () => (renders += 1),
		},
	);
	return {
		store,
		controller,
		recorder,
		terminal,
		keyboard,
		instance,
		emit: (event) => {
			store.getState().ingest(event);
			recorder.record(event);
		},
		keys: () => keys,
		inkRenders: () => renders,
	};
}
