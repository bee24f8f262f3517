import type { Readable } from 'node:stream';

export type Stream = 'stdout' | 'stderr';

export interface ExecOptions {
	/** Called once per complete line, as it arrives (no trailing newline). */
	readonly onLine?: (line: string, stream: Stream) => void;
	/** Bytes fed to the command's stdin (e.g. a tar stream for an upload). */
	readonly stdin?: Readable | string | Buffer;
	/** Aborting kills the command; the result then has `code: null`. */
	readonly signal?: AbortSignal;
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
 */
export interface Transport {
	readonly kind: 'local' | 'ssh';
	/** Human-readable target, e.g. "local" or "deploy@10.0.0.5:22". */
	readonly describe: string;
	/** Establish the connection (no-op for local). Rejects with a one-line reason. */
	connect(): Promise<void>;
	exec(script: string, options?: ExecOptions): Promise<ExecResult>;
	close(): Promise<void>;
}

/** Thrown by transports for failures that are not a command's exit status. */
export class TransportError extends Error {
	constructor(message: string, readonly reason: string = message) {
		super(message);
		this.name = 'TransportError';
	}
}
