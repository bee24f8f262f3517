import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { LineSplitter } from './line-splitter.js';
import { MarkerScanner } from './marker-scanner.js';
import { cancelGraceMs } from './ssh-cancellable.js';
import { commandHeader, endOfStdin, parseShellLine, shellMark, statusToExit, stdinFrame } from './shell-protocol.js';
import { StdinFrames } from './stdin-frames.js';
import { commandResult, type ExecOptions, type ExecResult, type Stream } from './transport.js';

/** The shell ended before it said it was ready: the script never ran and may go elsewhere. */
export const notStarted = Symbol('not started');

interface Command {
	readonly id: string;
	readonly options: ExecOptions;
	readonly output: { stdout: string; stderr: string };
	readonly splitters: Record<Stream, LineSplitter>;
	readonly done: (result: ExecResult | typeof notStarted) => void;
	status?: number;
	stdoutEnded: boolean;
	stderrEnded: boolean;
	pgid?: number;
	cancelled: boolean;
	stdinFailure?: string;
	graceTimer?: NodeJS.Timeout;
	/** Stops feeding stdin frames and sends the end frame (once). */
	endInput: () => void;
}

/**
 * The remote side of shell-protocol.ts on one ssh2 channel: runs one script at a time and hands
 * each its own output, stdin and exit status, like a channel of its own would.
 */
export class RemoteShell {
	private ready = false;
	private closed = false;
	private current: Command | undefined;
	private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
	private readonly scanners: Record<Stream, MarkerScanner>;

	constructor(
		private readonly channel: ClientChannel,
		private readonly hooks: {
			/** Why the connection is gone, if it is. */
			readonly lost: () => string | undefined;
			/** Signals a process group from outside (a second channel). */
			readonly kill: (pgid: number) => void;
			/** The channel closed: the shell can take no more commands. */
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
		channel.on('close', () => this.gone());
	}

	get busy(): boolean {
		return this.current !== undefined;
	}

	/** Open, on a connection that is not lost (its channel may not have heard yet). */
	get usable(): boolean {
		return !this.closed && this.hooks.lost() === undefined;
	}

	/** Runs one script; the shell must be idle. */
	run(script: string, options: ExecOptions): Promise<ExecResult | typeof notStarted> {
		if (this.current) throw new Error('the remote shell is busy');
		return new Promise((resolve) => {
			let inputEnded = false;
			const frames = options.stdin instanceof Readable ? new StdinFrames() : undefined;
			const command: Command = {
				id: randomBytes(6).toString('hex'),
				options,
				output: { stdout: '', stderr: '' },
				splitters: {
					stdout: new LineSplitter((line) => options.onLine?.(line, 'stdout')),
					stderr: new LineSplitter((line) => options.onLine?.(line, 'stderr')),
				},
				stdoutEnded: false,
				stderrEnded: false,
				cancelled: false,
				done: (result) => {
					clearTimeout(command.graceTimer);
					options.signal?.removeEventListener('abort', abort);
					if (this.current === command) this.current = undefined;
					resolve(result);
				},
				endInput: () => {
					if (inputEnded || options.stdin === undefined) return;
					inputEnded = true;
					if (frames && options.stdin instanceof Readable) {
						options.stdin.unpipe(frames);
						frames.end();
					} else this.write(endOfStdin);
				},
			};
			const abort = () => this.cancel(command);
			this.current = command;
			options.signal?.addEventListener('abort', abort, { once: true });
			if (options.signal?.aborted) return command.done({ code: null, failure: 'cancelled', ...command.output });

			this.write(commandHeader(script, command.id, options.stdin !== undefined));
			if (options.stdin instanceof Readable && frames) {
				options.stdin.on('error', (error: Error) => {
					// A broken source must not look like a complete upload: stop the command.
					command.stdinFailure = `stdin failed: ${error.message}`;
					this.cancel(command);
				});
				options.stdin.pipe(frames).pipe(this.channel, { end: false });
			} else if (typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)) {
				const data = Buffer.from(options.stdin);
				// An empty frame would read as the end of stdin.
				if (data.length > 0) for (const part of stdinFrame(data.length, [data])) this.write(part);
				command.endInput();
			}
		});
	}

	close(): void {
		if (this.closed) return;
		this.channel.close();
	}

	private write(data: Buffer | string): void {
		if (!this.closed) this.channel.write(data);
	}

	private text(stream: Stream, text: string): void {
		const command = this.current;
		// Stdout before "ready" is what the login shell printed on its way up, not anyone's output;
		// stderr has no such line to wait for (the streams are not ordered against each other).
		if (!command || (stream === 'stdout' && !this.ready)) return;
		command.output[stream] += text;
		command.splitters[stream].push(text);
	}

	private marker(stream: Stream, line: string): boolean {
		const said = parseShellLine(line);
		if (!said) return false;
		const command = this.current;
		if (said.kind === 'ready') {
			this.ready = true;
			return true;
		}
		if (said.kind === 'pgid') {
			if (!command) return true;
			command.pgid = said.pgid;
			if (command.cancelled) this.hooks.kill(said.pgid);
			return true;
		}
		if (!command || said.id !== command.id) return false;
		if (said.kind === 'exit') {
			// The script is done with its stdin; the shell drains what is still coming.
			command.endInput();
			return true;
		}
		if (stream === 'stdout') {
			command.status = said.status;
			command.stdoutEnded = true;
		} else command.stderrEnded = true;
		if (command.stdoutEnded && command.stderrEnded) this.finish(command);
		return true;
	}

	/** Hands the command its result; `lost` says why the shell went away, when it did. */
	private finish(command: Command, lost?: string): void {
		for (const splitter of Object.values(command.splitters)) splitter.flush();
		const { output, status, cancelled, stdinFailure } = command;
		command.done(commandResult({ output, exit: status === undefined ? undefined : statusToExit(status), cancelled, stdinFailure, lost }));
	}

	private cancel(command: Command): void {
		if (command.cancelled || this.current !== command) return;
		command.cancelled = true;
		command.endInput();
		if (command.pgid) this.hooks.kill(command.pgid);
		// Whatever happens remotely, a cancel must not hang on it: the shell goes, the answer comes.
		command.graceTimer = setTimeout(() => this.close(), cancelGraceMs);
	}

	private gone(): void {
		if (this.closed) return;
		this.closed = true;
		for (const stream of ['stdout', 'stderr'] as const) this.scanners[stream].push(this.decoders[stream].end());
		for (const scanner of Object.values(this.scanners)) scanner.flush();
		const command = this.current;
		this.hooks.closed();
		if (!command) return;
		if (!this.ready) return command.done(notStarted);
		// An exit status already seen on stdout stands; only the rest of stderr went missing.
		this.finish(command, this.hooks.lost());
	}
}
