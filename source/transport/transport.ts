import type { Readable } from 'node:stream';

export type Stream = 'stdout' | 'stderr';

export interface ExecOptions {
	/** Called once per complete line, as it arrives (no trailing newline). */
	readonly onLine?: (line: string, stream: Stream) => void;
	/** Bytes fed to the command's stdin (e.g. a tar stream for an upload). */
	readonly stdin?: Readable | string | Buffer;
	/**
	 * Aborting ends the command and everything it started (its process group: TERM, then KILL
	 * `cancelKillAfterMs` later to whatever is left), and `exec` answers within `cancelAnswerMs`
	 * with `code: null, failure: "cancelled"`. A deadline is an abort like any other.
	 */
	readonly signal?: AbortSignal;
	/**
	 * What the host does with this command if the connection dies while it runs (the CLI killed,
	 * the network gone): `stop` (default) stops its process group as a cancel does; `finish` lets it
	 * run to its end, for work that must never stop half-way (a switch). The disconnect script
	 * (`onDisconnect`) runs after it either way. A cancel (`signal`) stops it regardless.
	 */
	readonly ifDisconnected?: 'stop' | 'finish';
}

export interface ExecResult {
	/** Exit status; null when the command never exited normally (killed, connection lost). */
	readonly code: number | null;
	/** Signal name when the command was killed by one. */
	readonly signal?: string;
	/** Why there is no exit status, e.g. "connection lost" — never set together with a code. */
	readonly failure?: string;
	/** Everything printed, kept for commands whose output is parsed (bounded by the caller's needs). */
	readonly stdout: string;
	readonly stderr: string;
}

/** What a transport knows when a command is over, however it ran. */
export interface CommandEnd {
	readonly output: { readonly stdout: string; readonly stderr: string };
	/** The command's exit, if it reported one. */
	readonly exit?: { readonly code: number | null; readonly signal?: string };
	readonly cancelled: boolean;
	/** Its stdin source broke: what came through is not the whole input. */
	readonly stdinFailure?: string;
	/** Why the command may have had no chance to report an exit (e.g. the connection is gone). */
	readonly lost?: string;
}

/** The one way a command's end becomes its result: a broken stdin or a cancel outranks an exit status. */
export function commandResult({ output, exit, cancelled, stdinFailure, lost }: CommandEnd): ExecResult {
	if (stdinFailure) return { code: null, failure: stdinFailure, ...output };
	if (cancelled) return { code: null, signal: exit?.signal ?? 'SIGTERM', failure: 'cancelled', ...output };
	if (exit?.code !== undefined && exit.code !== null) return { code: exit.code, ...output };
	if (exit?.signal) return { code: null, signal: exit.signal, ...output };
	return { code: null, failure: lost ?? 'the command ended without an exit status', ...output };
}

/**
 * How the engine reaches a host. Scripts are POSIX sh text built by `engine/remote/`;
 * a transport runs them and reports lines and exit codes, nothing more.
 *
 * What a transport guarantees (tests: test/ssh/ssh-cancel, ssh-disconnect, ssh-keepalive, local-cancel):
 *
 * - Every script runs in a process group of its own, with two exceptions on SSH hosts: a host
 *   without `setsid` (the supervisor then signals the script's own `sh` only, so what it started
 *   may outlive a cancel), and a host where the supervisor cannot start at all (`runPlain` in
 *   plain-exec.ts: a plain exec channel, where a cancel is a "signal" request sshd may ignore, and a lost
 *   connection stops nothing). Only the transport's side decides what to signal: nothing a script
 *   prints (e.g. a line shaped like a protocol message) can redirect it.
 * - Cancel (`signal` aborts, at any moment, even before the host has started the script): the
 *   script's group (see the exceptions above) gets TERM, and KILL `cancelKillAfterMs` later if
 *   anything in it is left.
 *   `exec` answers within `cancelAnswerMs` of the abort, whatever the host does:
 *   `{ code: null, signal: "SIGTERM" | "SIGKILL" (what ended it, when known), failure: "cancelled" }`,
 *   or, when the host did not confirm the end in time, `failure: "cancelled; the host did not
 *   confirm the end within 5 s"` (it is still told to stop, and stops once it gets to run).
 *   Output printed before the end is in `stdout`/`stderr`.
 * - Connection lost mid-command (sshd killed, keepalives unanswered): `{ code: null,
 *   failure: "connection lost: …" }`, never an exit status that was not seen. A host whose sshd
 *   is alive but slow (still acknowledging data) is not lost.
 * - The client dies (`kill -9`, the connection drops) mid-command: the host notices the end of
 *   its input and stops the running scripts' groups as on cancel. With the OpenSSH client gone
 *   the host notices at once; after a silent network cut only when sshd's own ClientAlive/TCP
 *   keepalive gives up on the connection.
 * - A command whose script has ended reports its exit status (128 + n from sh is reported as the
 *   signal), with everything it printed.
 */
export interface Transport {
	readonly kind: 'local' | 'ssh';
	/** Human-readable target, e.g. "local" or "deploy@10.0.0.5:22". */
	readonly describe: string;
	/** Establish the connection (no-op for local). Rejects with a one-line reason. */
	connect(): Promise<void>;
	exec(script: string, options?: ExecOptions): Promise<ExecResult>;
	/**
	 * Arms `script` (POSIX sh) to run on the host if this connection ends without `close()`: the
	 * CLI killed with `kill -9`, the network gone. `undefined` disarms it; the last one armed wins.
	 * It runs once, after the script that was running (if any) has been stopped, with no stdin or
	 * output; not after a clean `close()`. Make it idempotent and conditional (e.g. "release the
	 * lock if it is still ours"): a connection can also be lost while the CLI lives on, and the host
	 * runs it then too; it is not carried over to the next connection. Scripts running in other
	 * channels of the same connection are stopped at the same moment but may end a little later.
	 * Resolves true once the host confirmed it (one round trip; arm it before the work it guards),
	 * false when it cannot be armed (no connection, or a host where the supervisor cannot run).
	 * Local hosts: runs when this process dies without `close()`.
	 */
	onDisconnect(script: string | undefined): Promise<boolean>;
	/** Ends the connection cleanly: running commands are stopped, the disconnect script does not run. */
	close(): Promise<void>;
}

/** Thrown by transports for failures that are not a command's exit status. */
export class TransportError extends Error {
	constructor(message: string, readonly reason: string = message) {
		super(message);
		this.name = 'TransportError';
	}
}

/** After `signal` aborts, `exec` answers within this long, whatever the host does. */
export const cancelAnswerMs = 5000;

/** A cancelled command's process group gets TERM, then KILL this much later for whatever is left. */
export const cancelKillAfterMs = 2000;
