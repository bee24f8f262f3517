import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CommandOutput } from './command-output.js';
import { MarkerScanner } from './marker-scanner.js';
import { commandText, disconnectScriptText, endOfStdin, parseShellLine, request, shellMark, statusToExit, stdinFrame } from './shell-protocol.js';
import { StdinFrames } from './stdin-frames.js';
import { cancelAnswerMs, commandResult, type ExecOptions, type ExecResult, type Stream } from './transport.js';

/**
 * What a supervisor is reached through: an ssh2 exec channel, or a local child's stdio
 * (local-shell.ts). Writes go to its stdin; `data` is its stdout, `stderr` its stderr; `close`
 * comes once both have ended and it has gone; `close()` gives it up.
 */
export interface ShellChannel extends NodeJS.WritableStream {
	readonly stderr: NodeJS.EventEmitter;
	close(): void;
}

/** The supervisor ended before it said it was ready: the script never ran and may go elsewhere. */
export const notStarted = Symbol('not started');

/** How long a clean quit may take before the channel is closed under it. */
const quitAnswerMs = 2000;

interface Command {
	readonly id: string;
	readonly output: CommandOutput;
	readonly done: (result: ExecResult | typeof notStarted) => void;
	/** What goes to the script's stdin; sent once the supervisor is ready (see `startInput`). */
	readonly stdin: ExecOptions['stdin'];
	/** The stdin frames on their way, when stdin is a stream. */
	frames?: StdinFrames;
	/** `waiting` for the supervisor to be ready, `flowing`, or `ended` (`0` sent or on its way). */
	input: 'waiting' | 'flowing' | 'ended';
	status?: number;
	stdoutEnded: boolean;
	stderrEnded: boolean;
	/** `r` is on its way: the supervisor may read past this command. */
	released: boolean;
	cancelled: boolean;
	stdinFailure?: string;
	answerTimer?: NodeJS.Timeout;
}

/**
 * The transport's side of shell-protocol.ts on one channel (an SSH host's exec channel, or the
 * stdio of a local host's shell process): runs one script at a time and
 * hands each its own output, stdin and exit status, as a channel of its own would. Cancelling
 * asks the supervisor, on the same ordered stream, to stop the script's process group; the
 * answer comes within `cancelAnswerMs` or the supervisor is abandoned (see `abandon`).
 */
export class RemoteShell {
	private ready = false;
	private closed = false;
	/** Our end of its stdin is closed (quit or abandoned): nothing more can be written. */
	private inputClosed = false;
	private abandoned = false;
	/** The supervisor's pid, from its ready line (printed before any script could print anything). */
	private pid: number | undefined;
	private current: Command | undefined;
	/** A disconnect script to send once the running command has let go of the stream. */
	private pendingHook: { text: string; id: string } | undefined;
	private readonly hookAnswers = new Map<string, (armed: boolean) => void>();
	/** The last disconnect script sent, and the supervisor's answer to it. */
	private arming: { script: string | undefined; armed: Promise<boolean> } | undefined;
	private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
	private readonly scanners: Record<Stream, MarkerScanner>;
	private readonly whenClosed: Promise<void>;
	/** Called when the running command has its result (or the shell is gone). */
	private idleWaiters: (() => void)[] = [];

	constructor(
		private readonly channel: ShellChannel,
		private readonly hooks: {
			/** Why the connection is gone, if it is. */
			readonly lost: () => string | undefined;
			/** Stops the supervisor `pid` from outside (a second channel): it no longer reads its stdin. */
			readonly abandon: (pid: number) => void;
			/** The channel closed: the supervisor can take no more commands. */
			readonly closed: () => void;
		},
	) {
		this.scanners = {
			stdout: new MarkerScanner(shellMark, (text) => this.text('stdout', text), (line) => this.marker('stdout', line)),
			stderr: new MarkerScanner(shellMark, (text) => this.text('stderr', text), (line) => this.marker('stderr', line)),
		};
		channel.on('data', (chunk: Buffer) => this.scanners.stdout.push(this.decoders.stdout.write(chunk)));
		channel.stderr.on('data', (chunk: Buffer) => this.scanners.stderr.push(this.decoders.stderr.write(chunk)));
		// Write errors after the far end went away are reported through 'close'.
		channel.on('error', () => {});
		this.whenClosed = new Promise((resolve) => channel.on('close', () => resolve(this.gone())));
	}

	get busy(): boolean {
		return this.current !== undefined;
	}

	/** The supervisor said it was ready: it ran on this host. */
	get started(): boolean {
		return this.ready;
	}

	/** Open, on a connection that is not lost (its channel may not have heard yet), and not given up on. */
	get usable(): boolean {
		return !this.closed && !this.abandoned && this.hooks.lost() === undefined;
	}

	/** Resolves when the running command (if any) has its result, or the shell is gone. */
	idle(): Promise<void> {
		if (!this.current || this.closed) return Promise.resolve();
		return new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	private wakeIdleWaiters(): void {
		const waiters = this.idleWaiters;
		this.idleWaiters = [];
		for (const wake of waiters) wake();
	}

	/** Runs one script; the shell must be idle. */
	run(script: string, options: ExecOptions): Promise<ExecResult | typeof notStarted> {
		if (this.current) throw new Error('the remote shell is busy');
		return new Promise((resolve) => {
			if (options.signal?.aborted || !this.usable) {
				return resolve({ code: null, failure: options.signal?.aborted ? 'cancelled' : (this.hooks.lost() ?? 'the remote shell is closed'), stdout: '', stderr: '' });
			}
			const command: Command = {
				id: randomBytes(6).toString('hex'),
				output: new CommandOutput(options.onLine),
				stdin: options.stdin,
				input: options.stdin === undefined ? 'ended' : 'waiting',
				stdoutEnded: false,
				stderrEnded: false,
				released: false,
				cancelled: false,
				done: (result) => {
					clearTimeout(command.answerTimer);
					options.signal?.removeEventListener('abort', abort);
					if (this.current === command) this.current = undefined;
					resolve(result);
					this.wakeIdleWaiters();
				},
			};
			const abort = () => this.cancel(command);
			this.current = command;
			options.signal?.addEventListener('abort', abort, { once: true });

			this.write(commandText(script, command.id, options.stdin !== undefined, options.ifDisconnected === 'finish'));
			if (this.ready) this.startInput(command);
		});
	}

	/**
	 * Sends the command's stdin, once the supervisor is ready: until then nothing reads it, and an
	 * upload sent early would only fill the window and every buffer on the way, with the keepalive
	 * pings queued behind it while the host's login shell starts.
	 */
	private startInput(command: Command): void {
		if (command.input !== 'waiting') return;
		const stdin = command.stdin;
		if (stdin instanceof Readable) {
			command.input = 'flowing';
			const frames = (command.frames = new StdinFrames().on('error', () => {}));
			stdin.on('error', (error: Error) => {
				// A broken source must not look like a complete upload: stop the command.
				command.stdinFailure = `stdin failed: ${error.message}`;
				this.cancel(command);
			});
			stdin.pipe(frames).pipe(this.channel, { end: false });
			return;
		}
		command.input = 'ended';
		const data = Buffer.from(stdin as string | Buffer);
		// An empty frame would read as the end of stdin.
		if (data.length > 0) this.write(stdinFrame([data]));
		this.write(endOfStdin);
	}

	/**
	 * Arms (or, with undefined, disarms) the script the supervisor runs if the connection dies
	 * without a clean quit. True once the supervisor has confirmed it; false if it is gone.
	 */
	setDisconnectScript(script: string | undefined): Promise<boolean> {
		if (!this.usable) return Promise.resolve(false);
		if (this.arming && this.arming.script === script) return this.arming.armed;
		const id = randomBytes(6).toString('hex');
		const armed = new Promise<boolean>((resolve) => this.hookAnswers.set(id, resolve));
		const text = disconnectScriptText(script, id);
		// The supervisor reads it between commands: after the running one's `r`.
		if (this.current && !this.current.released) this.pendingHook = { text, id };
		else this.write(text);
		this.arming = { script, armed };
		return armed;
	}

	/**
	 * Ends the supervisor cleanly (its disconnect script does not run); a running command is
	 * abandoned. Resolves once the channel has closed, or after a short wait for that.
	 */
	async quit(): Promise<void> {
		if (this.closed) return;
		if (this.current) this.stopInput(this.current);
		this.endInput(...(this.current ? [request.abandon] : []), request.quit);
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([this.whenClosed, new Promise((resolve) => (timer = setTimeout(resolve, quitAnswerMs)))]);
		clearTimeout(timer);
		if (!this.closed) this.channel.close();
	}

	private write(data: Buffer | string): void {
		if (!this.closed && !this.inputClosed) this.channel.write(data);
	}

	/** The last words on its stdin, then end of input. */
	private endInput(...last: string[]): void {
		if (this.inputClosed) return;
		for (const words of last) this.write(words);
		this.inputClosed = true;
		this.channel.end();
	}

	private text(stream: Stream, text: string): void {
		const command = this.current;
		// Stdout before "ready" is what the login shell printed on its way up, not anyone's output;
		// stderr has no such line to wait for (the streams are not ordered against each other).
		if (!command || (stream === 'stdout' && !this.ready)) return;
		command.output.take(stream, text);
	}

	private marker(stream: Stream, line: string): boolean {
		const said = parseShellLine(line);
		if (!said) return false;
		if (said.kind === 'ready') {
			// Only the first: anything later is a script's output.
			if (this.ready) return false;
			this.ready = true;
			this.pid = said.pid;
			if (this.current) this.startInput(this.current);
			return true;
		}
		if (said.kind === 'hooked') {
			const answer = this.hookAnswers.get(said.id);
			if (!answer) return false;
			this.hookAnswers.delete(said.id);
			answer(true);
			return true;
		}
		const command = this.current;
		if (!command || said.id !== command.id) return false;
		if (said.kind === 'exit') {
			// The script is done with its stdin; the reader beside it drains what is still coming.
			this.release(command);
			return true;
		}
		if (stream === 'stdout') {
			command.status = said.status;
			command.stdoutEnded = true;
			this.release(command);
		} else command.stderrEnded = true;
		if (command.stdoutEnded && command.stderrEnded) this.finish(command);
		return true;
	}

	/** Ends the command's stdin and lets the supervisor go on: `0` (after the last frame), then `r`. */
	private release(command: Command): void {
		if (command.released) return;
		command.released = true;
		const after = () => {
			this.write(request.release);
			if (this.pendingHook) this.write(this.pendingHook.text);
			this.pendingHook = undefined;
		};
		if (command.input === 'waiting') {
			// Never started: the supervisor still expects its end.
			command.input = 'ended';
			this.write(endOfStdin);
		}
		const frames = command.frames;
		if (!frames) return after();
		if (command.stdin instanceof Readable) command.stdin.unpipe(frames);
		frames.once('end', after);
		if (command.cancelled) frames.discard();
		else if (!frames.writableEnded) frames.end();
		// Already ended (a source that had finished): 'end' has been and gone.
		if (frames.readableEnded) {
			frames.off('end', after);
			after();
		}
	}

	/** Hands the command its result; `lost` says why the shell went away, when it did. */
	private finish(command: Command, lost?: string): void {
		command.output.flush();
		const { output, status, cancelled, stdinFailure } = command;
		command.done(commandResult({ output: output.text, exit: status === undefined ? undefined : statusToExit(status), cancelled, stdinFailure, lost }));
	}

	private cancel(command: Command): void {
		if (command.cancelled || this.current !== command) return;
		command.cancelled = true;
		if (!command.released) {
			this.write(request.cancel);
			this.release(command);
		}
		// Whatever happens on the host, a cancel answers within the bound.
		command.answerTimer = setTimeout(() => this.abandon(command), cancelAnswerMs);
	}

	/**
	 * The supervisor did not confirm the end in time (a host too busy to run it, or a script that
	 * stopped reading a stdin still queued ahead of the request): the command is answered now and
	 * this supervisor is given up. It still gets `x` on its stdin, and a TERM by pid from a second
	 * channel in case its stdin is stuck; either makes it stop the script's group and exit without
	 * running the disconnect script.
	 */
	private abandon(command: Command): void {
		if (this.current !== command) return;
		this.abandoned = true;
		this.stopInput(command);
		this.endInput(request.abandon, request.quit);
		if (this.pid !== undefined) this.hooks.abandon(this.pid);
		command.output.flush();
		command.done({ code: null, failure: `cancelled; the host did not confirm the end within ${cancelAnswerMs / 1000} s`, ...command.output.text });
	}

	private stopInput(command: Command): void {
		if (!command.frames) return;
		if (command.stdin instanceof Readable) command.stdin.unpipe(command.frames);
		command.frames.unpipe(this.channel);
		command.frames.destroy();
	}

	private gone(): void {
		if (this.closed) return;
		this.closed = true;
		for (const stream of ['stdout', 'stderr'] as const) this.scanners[stream].push(this.decoders[stream].end());
		for (const scanner of Object.values(this.scanners)) scanner.flush();
		for (const answer of this.hookAnswers.values()) answer(false);
		this.hookAnswers.clear();
		const command = this.current;
		this.hooks.closed();
		if (!command) return this.wakeIdleWaiters();
		this.stopInput(command);
		if (!this.ready) return command.done(notStarted);
		// An exit status already seen on stdout stands; only the rest of stderr went missing.
		this.finish(command, this.hooks.lost() ?? 'the remote shell ended');
	}
}
