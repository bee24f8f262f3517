import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { supervisorScript } from './shell-protocol.js';
import type { ShellChannel } from './ssh-shell.js';

/** After the shell has exited, how long output still held open by something it left running (a daemon) is waited for. */
const outputAfterExitMs = 50;

type Child = ChildProcessByStdio<import('node:stream').Writable, Readable, Readable>;

/**
 * A supervisor (shell-protocol.ts) as a child of this process, for a `local = true` host: its
 * stdio is the channel `RemoteShell` speaks through, as an SSH host's exec channel is. It runs
 * in a session of its own, so a Ctrl-C at the terminal reaches this process and not the shell
 * (the shell decides what its scripts get); when this process dies, the end of the shell's stdin
 * is what tells it, as a dropped connection tells an SSH host's.
 *
 * It keeps this process alive only while held (a script or a request in flight): an idle shell
 * must never keep a finished CLI from exiting.
 */
export class ShellProcess extends Writable implements ShellChannel {
	readonly stderr: Readable;
	private readonly child: Child;
	private holds = 0;
	private exited = false;
	private shellGone = false;

	constructor() {
		// 'close' means the shell has gone (see `gone`), not that this stream ended.
		super({ autoDestroy: false, emitClose: false, decodeStrings: false });
		this.child = spawn('sh', ['-c', supervisorScript], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
		this.stderr = this.child.stderr;
		this.child.stdout.on('data', (chunk: Buffer) => this.emit('data', chunk));
		// A shell that cannot be started at all ends as one that exited at once: its script never ran.
		this.child.on('error', () => this.gone());
		this.child.stdin.on('error', () => {});
		this.child.on('close', () => this.gone());
		this.child.on('exit', () => {
			this.exited = true;
			setTimeout(() => this.gone(), outputAfterExitMs).unref();
		});
		this.unrefAll();
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	/** Keeps this process alive until the matching `letGo`: something is awaited from the shell. */
	hold(): void {
		if (this.holds++ === 0 && !this.shellGone) {
			this.child.ref();
			for (const stream of [this.child.stdout, this.child.stderr]) (stream as Readable & { ref?: () => void }).ref?.();
		}
	}

	letGo(): void {
		if (--this.holds === 0) this.unrefAll();
	}

	/** Gives the shell up: TERM makes it stop the running script's group and exit without its disconnect script. */
	close(): void {
		this.child.stdin.destroy();
		if (!this.exited && this.child.pid !== undefined) {
			try {
				process.kill(this.child.pid, 'SIGTERM');
			} catch {
				// Already gone.
			}
		}
	}

	override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
		if (this.child.stdin.destroyed) return done();
		// Errors after the shell went away are reported through 'close'.
		this.child.stdin.write(chunk, () => done());
	}

	override _final(done: (error?: Error | null) => void): void {
		this.child.stdin.end();
		done();
	}

	private unrefAll(): void {
		this.child.unref();
		for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as { unref?: () => void }).unref?.();
	}

	private gone(): void {
		if (this.shellGone) return;
		this.shellGone = true;
		// Output still held open by what the shell left running is nobody's: stop reading it.
		this.child.stdout.destroy();
		this.child.stderr.destroy();
		this.unrefAll();
		this.emit('close');
	}
}
