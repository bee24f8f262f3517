import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Starts processes from a worker thread and relays their stdio. Node's spawn holds the thread
 * that calls it until the child has exec'd: a fork of this whole process, ~4 ms at 200 MB here
 * and far longer on a busy machine (a 200-host deploy starts a shell per host). Started from the
 * console's thread, that is a key that waits and a frame that is late; from this one, nothing.
 *
 * The worker's side is plain JavaScript (it runs as given, not bundled): it spawns, forwards
 * each chunk of output, acknowledges each write once the child's stdin took it (so a big upload
 * flows at the child's pace, not into a queue), and says when a child exited and closed.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const children = new Map();
const say = (message) => parentPort.postMessage(message);
parentPort.on('message', (m) => {
	const child = children.get(m.id);
	if (m.op === 'spawn') {
		let started;
		try {
			started = spawn(m.command, m.args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
		} catch (error) {
			return say({ op: 'error', id: m.id, message: String(error && error.message) });
		}
		children.set(m.id, started);
		say({ op: 'spawned', id: m.id, pid: started.pid });
		started.on('error', (error) => say({ op: 'error', id: m.id, message: String(error && error.message) }));
		started.stdin.on('error', () => {});
		for (const stream of ['stdout', 'stderr']) {
			started[stream].on('data', (chunk) => say({ op: 'data', id: m.id, stream, chunk }));
			started[stream].on('end', () => say({ op: 'end', id: m.id, stream }));
		}
		started.on('exit', () => say({ op: 'exit', id: m.id }));
		started.on('close', () => {
			children.delete(m.id);
			say({ op: 'close', id: m.id });
		});
	} else if (m.op === 'write') {
		const written = () => say({ op: 'written', id: m.id, seq: m.seq });
		if (!child || child.stdin.destroyed || child.stdin.writableEnded) written();
		else child.stdin.write(m.data, written);
	} else if (m.op === 'end') {
		if (child) child.stdin.end();
	} else if (m.op === 'destroy') {
		if (child) for (const stream of [child.stdin, child.stdout, child.stderr]) stream.destroy();
	}
});
`;

type FromWorker =
	| { op: 'spawned'; id: number; pid: number | undefined }
	| { op: 'error'; id: number; message: string }
	| { op: 'data'; id: number; stream: 'stdout' | 'stderr'; chunk: Uint8Array }
	| { op: 'end'; id: number; stream: 'stdout' | 'stderr' }
	| { op: 'written'; id: number; seq: number }
	| { op: 'exit' | 'close'; id: number };

/**
 * A process started by the worker. Events: `spawned` (pid), `stdout` / `stderr` (Buffer),
 * `stdout-end` / `stderr-end`, `exit`, `close` (exited and its output closed), `error`.
 */
export class ThreadChild extends EventEmitter {
	pid: number | undefined;
	private seq = 0;
	private readonly pending = new Map<number, () => void>();

	constructor(
		readonly id: number,
		private readonly post: (message: object) => void,
	) {
		super();
	}

	/** `written` is called once the child's stdin has taken the data (or the child has gone). */
	write(data: Uint8Array | string, written: () => void): void {
		const seq = ++this.seq;
		this.pending.set(seq, written);
		this.post({ op: 'write', id: this.id, seq, data });
	}

	end(): void {
		this.post({ op: 'end', id: this.id });
	}

	/** Stops reading its output and closes its stdin (what it left running may hold them open). */
	destroy(): void {
		this.post({ op: 'destroy', id: this.id });
	}

	/** @internal */
	receive(message: FromWorker): void {
		switch (message.op) {
			case 'spawned':
				this.pid = message.pid;
				this.emit('spawned', message.pid);
				return;
			case 'data':
				this.emit(message.stream, Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
				return;
			case 'end':
				this.emit(`${message.stream}-end`);
				return;
			case 'written':
				this.pending.get(message.seq)?.();
				this.pending.delete(message.seq);
				return;
			case 'error':
				this.emit('error', new Error(message.message));
				return;
			case 'exit':
				this.emit('exit');
				return;
			case 'close':
				for (const written of this.pending.values()) written();
				this.pending.clear();
				this.emit('close');
				return;
		}
	}
}

let worker: Worker | undefined;
let children = 0;
const running = new Map<number, ThreadChild>();
/** Callers awaiting a child's output: the process stays alive for them (and only them). */
let holds = 0;

function theWorker(): Worker {
	if (worker) return worker;
	const started = new Worker(workerSource, { eval: true });
	started.on('message', (message: FromWorker) => running.get(message.id)?.receive(message));
	// Never expected; every child it had is gone with it.
	started.on('error', () => undefined);
	started.on('exit', () => {
		if (worker === started) worker = undefined;
		for (const child of running.values()) child.receive({ op: 'close', id: child.id });
		running.clear();
	});
	if (holds === 0) started.unref();
	worker = started;
	return started;
}

/** Starts `command args` detached (a session of its own), with piped stdio, from the worker thread. */
export function spawnInThread(command: string, args: readonly string[]): ThreadChild {
	const id = ++children;
	const target = theWorker();
	const child = new ThreadChild(id, (message) => target.postMessage(message));
	child.once('close', () => running.delete(id));
	running.set(id, child);
	target.postMessage({ op: 'spawn', id, command, args });
	return child;
}

/** Keeps this process alive until the matching `letGoOfThread` (the worker is unref'd otherwise). */
export function holdThread(): void {
	if (holds++ === 0) worker?.ref();
}

export function letGoOfThread(): void {
	if (--holds === 0) worker?.unref();
}
