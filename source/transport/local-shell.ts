import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { supervisorScript } from './shell-protocol.js';
import { holdThread, letGoOfThread, spawnInThread, type ThreadChild } from './spawn-thread.js';
import type { ShellChannel } from './ssh-shell.js';

/** After the shell has exited, how long output still held open by something it left running (a daemon) is waited for. */
const outputAfterExitMs = 50;

/**
 * A supervisor (shell-protocol.ts) as a child of this process, for a `local = true` host: its
 * stdio is the channel `RemoteShell` speaks through, as an SSH host's exec channel is. It is
 * started from a worker thread (spawn-thread.ts), in a session of its own, so a Ctrl-C at the
 * terminal reaches this process and not the shell (the shell decides what its scripts get); when
 * this process dies, the end of the shell's stdin is what tells it, as a dropped connection
 * tells an SSH host's.
 *
 * It keeps this process alive only while held (a script or a request in flight): an idle shell
 * must never keep a finished CLI from exiting.
 */
export class ShellProcess extends Writable implements ShellChannel {
	/** Its stderr's chunks, as `data`: in order with stdout's and with `close`, as the worker relayed them. */
	readonly stderr = new EventEmitter();
	private readonly child: ThreadChild;
	private holds = 0;
	private exited = false;
	private shellGone = false;
	private inputDone = false;

	constructor() {
		// 'close' means the shell has gone (see `gone`), not that this stream ended.
		super({ autoDestroy: false, emitClose: false, decodeStrings: false });
		this.child = spawnInThread('sh', ['-c', supervisorScript]);
		this.child.on('stdout', (chunk: Buffer) => this.emit('data', chunk));
		this.child.on('stderr', (chunk: Buffer) => this.stderr.emit('data', chunk));
		// A shell that cannot be started at all ends as one that exited at once: its script never ran.
		this.child.on('error', () => this.gone());
		this.child.on('close', () => this.gone());
		this.child.on('exit', () => {
			this.exited = true;
			setTimeout(() => this.gone(), outputAfterExitMs).unref();
		});
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	/** Keeps this process alive until the matching `letGo`: something is awaited from the shell. */
	hold(): void {
		if (this.holds++ === 0) holdThread();
	}

	letGo(): void {
		if (--this.holds === 0) letGoOfThread();
	}

	/** Gives the shell up: TERM makes it stop the running script's group and exit without its disconnect script. */
	close(): void {
		this.inputDone = true;
		this.child.end();
		const pid = this.child.pid;
		if (!this.exited && pid !== undefined) {
			try {
				process.kill(pid, 'SIGTERM');
			} catch {
				// Already gone.
			}
		}
	}

	override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
		// Written after the shell went away: reported through 'close'.
		if (this.inputDone || this.shellGone) return done();
		this.child.write(chunk, () => done());
	}

	override _final(done: (error?: Error | null) => void): void {
		this.inputDone = true;
		this.child.end();
		done();
	}

	private gone(): void {
		if (this.shellGone) return;
		this.shellGone = true;
		// Output still held open by what the shell left running is nobody's: stop reading it.
		this.child.destroy();
		if (this.holds > 0) letGoOfThread();
		this.holds = 0;
		this.emit('close');
	}
}
