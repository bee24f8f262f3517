import { homedir, userInfo } from 'node:os';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { ChannelQueue } from './channel-queue.js';
import { cancelGraceMs, cancellableScript, killProcessGroupScript, takeProcessGroup } from './ssh-cancellable.js';
import { LineSplitter } from './line-splitter.js';
import { openConnection, type SshConnection } from './ssh-connect.js';
import { loadSshConfig } from './ssh-config-file.js';
import { resolveSshTarget, type SshTarget } from './ssh-target.js';
import { notStarted, RemoteShell } from './ssh-shell.js';
import { shellBootstrap } from './shell-protocol.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';
import { commandResult, TransportError } from './transport.js';

export interface SshTransportOptions {
	/** `ssh = "…"` from hosts.toml: an ssh_config alias or `user@host[:port]`. */
	readonly target: string;
	/** ssh_config to resolve aliases from; default ~/.ssh/config. */
	readonly configFile?: string;
	/** Overrides UserKnownHostsFile for the target and its jump hosts. */
	readonly knownHostsFile?: string;
	/** Record keys of hosts absent from known_hosts (OpenSSH accept-new); a changed key is still refused. */
	readonly acceptNewHostKeys?: boolean;
	/** Handshake + authentication deadline. Default 10 s. */
	readonly connectTimeoutMs?: number;
	/** Channels open at once on the connection; kept below sshd's MaxSessions (10). Default 8. */
	readonly maxChannels?: number;
	/** Default 10 s × 3: a dead link is noticed within about 30 s. */
	readonly keepaliveIntervalMs?: number;
	readonly keepaliveCountMax?: number;
	/**
	 * Run scripts through one long-lived remote shell per connection (see shell-protocol.ts)
	 * rather than an exec channel each. Default true; a host where the shell cannot start
	 * gets plain execs.
	 */
	readonly persistentShell?: boolean;
	/** Things the operator should see once, e.g. a host key that was recorded. */
	readonly onNotice?: (message: string) => void;
	/** The local side; defaults are the process's home, user and SSH_AUTH_SOCK. */
	readonly home?: string;
	readonly localUser?: string;
	readonly agentSocket?: string;
}

/**
 * Runs scripts on a host over one persistent ssh2 connection: a script goes to the connection's
 * remote shell when that is idle, else to an exec channel of its own; at most `maxChannels`
 * channels (the shell's included) at a time. The connection is opened on first use (or `connect`) and
 * reopened by the next exec if it drops; commands running when it drops report
 * `code: null, failure: "connection lost: …"`, never success.
 */
export class SshTransport implements Transport {
	readonly kind = 'ssh';
	readonly describe: string;
	private readonly target: SshTarget | undefined;
	private readonly targetError: string | undefined;
	private readonly queue: ChannelQueue;
	private connection: Promise<SshConnection> | undefined;
	private connecting: AbortController | undefined;
	private shell: RemoteShell | undefined;
	private shellOpening = false;
	/** The shell could not start on this host (e.g. no `head`): plain execs from now on. */
	private shellRefused = false;

	constructor(private readonly options: SshTransportOptions) {
		this.queue = new ChannelQueue(options.maxChannels ?? 8);
		try {
			const config = loadSshConfig(options.configFile, this.home);
			this.target = resolveSshTarget(options.target, config, { home: this.home, user: options.localUser ?? userInfo().username });
			const via = this.target.jumps.map((jump) => ` via ${jump.name}`).join('');
			this.describe = `${this.target.user}@${this.target.host}:${this.target.port}${via}`;
		} catch (error) {
			// Reported by connect/exec, where the engine expects failures; describe stays useful.
			this.targetError = `${options.target}: ${(error as Error).message}`;
			this.describe = options.target;
		}
	}

	private get home(): string {
		return this.options.home ?? homedir();
	}

	/** The resolved target (after ssh_config), for display and tests. */
	get resolved(): SshTarget | undefined {
		return this.target;
	}

	async connect(): Promise<void> {
		await this.liveConnection();
	}

	/**
	 * Never throws: a connection that cannot be made is `{ code: null, failure }` like any
	 * other command that did not run to an exit status.
	 */
	async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
		const output = { stdout: '', stderr: '' };
		const failed = (failure: string, signal?: string): ExecResult => ({ code: null, signal, failure, ...output });
		if (options.signal?.aborted) return failed('cancelled');
		let connection: SshConnection;
		try {
			connection = await this.liveConnection();
		} catch (error) {
			return failed((error as Error).message);
		}
		const viaShell = await this.runInShell(connection, script, options);
		if (viaShell) return viaShell;
		let retried = false;
		for (;;) {
			const release = await this.queue.acquire(retried, options.signal);
			if (!release || options.signal?.aborted) {
				release?.();
				return failed('cancelled');
			}
			if (connection.lost) {
				release();
				return failed(connection.lost);
			}
			let channel: ClientChannel;
			try {
				channel = await openExecChannel(connection, cancellableScript(script));
			} catch (error) {
				// Our other channels, open or being opened, at the moment of refusal: the server
				// allows at most that many. Refusals are answered in order, so when several come
				// back from one burst the limit steps down to exactly what the server allowed.
				const othersOpen = this.queue.open - 1;
				release();
				if (connection.lost) return failed(connection.lost);
				if (isChannelRefusal(error) && this.queue.refused(othersOpen)) {
					retried = true;
					continue;
				}
				return failed(`cannot start the command: ${(error as Error).message}`);
			}
			try {
				return await runChannel(channel, connection, options, output);
			} finally {
				release();
			}
		}
	}

	/**
	 * Runs the script in the connection's shell, opening it if there is none; undefined when the
	 * shell is busy, being opened, or cannot be had (the caller then opens a channel of its own).
	 */
	private async runInShell(connection: SshConnection, script: string, options: ExecOptions): Promise<ExecResult | undefined> {
		if (this.options.persistentShell === false || this.shellRefused) return undefined;
		let shell = this.shell?.usable ? this.shell : undefined;
		if (!shell) {
			if (this.shellOpening) return undefined;
			this.shellOpening = true;
			try {
				shell = await this.openShell(connection);
			} finally {
				this.shellOpening = false;
			}
			if (!shell) return undefined;
		}
		if (shell.busy) return undefined;
		const result = await shell.run(script, options);
		if (result === notStarted) {
			this.shellRefused = !connection.lost;
			return undefined;
		}
		// An idle shell holds a channel that queued commands are waiting for: give it back.
		if (this.queue.waiting > 0 && !shell.busy) shell.close();
		return result;
	}

	private async openShell(connection: SshConnection): Promise<RemoteShell | undefined> {
		const release = this.queue.tryAcquire();
		if (!release) return undefined;
		let channel: ClientChannel;
		try {
			channel = await openExecChannel(connection, shellBootstrap());
		} catch {
			// Refused or failed: the plain path tries again, learns the limit and reports errors.
			release();
			return undefined;
		}
		const shell: RemoteShell = new RemoteShell(channel, {
			lost: () => connection.lost,
			kill: (pgid) => killRemoteGroup(connection, pgid),
			closed: () => {
				release();
				if (this.shell === shell) this.shell = undefined;
			},
		});
		this.shell = shell;
		return shell;
	}

	async close(): Promise<void> {
		this.shell = undefined;
		// A handshake still under way is given up, not waited for.
		this.connecting?.abort();
		const pending = this.connection;
		this.connection = undefined;
		if (!pending) return;
		try {
			(await pending).end();
		} catch {
			// It never connected; nothing to close.
		}
	}

	/**
	 * The connection every exec shares: opened on first use, reopened once if the last one
	 * dropped. Concurrent callers wait on the same attempt, so a burst of execs after a drop
	 * makes one new connection, not one each. A failed attempt is forgotten: the next exec tries again.
	 */
	private async liveConnection(): Promise<SshConnection> {
		if (!this.target) throw new TransportError(this.targetError ?? `${this.options.target}: cannot resolve`);
		for (let attempt = 0; ; attempt++) {
			const current = this.connection ?? this.openFresh(this.target);
			let connection: SshConnection;
			try {
				connection = await current;
			} catch (error) {
				if (this.connection === current) this.connection = undefined;
				throw error;
			}
			if (!connection.lost) return connection;
			if (this.connection === current) this.connection = undefined;
			// A server that lets us in and hangs up at once: report that rather than loop.
			if (attempt >= 1) throw new TransportError(connection.lost);
		}
	}

	private openFresh(target: SshTarget): Promise<SshConnection> {
		const connecting = new AbortController();
		this.connecting = connecting;
		const attempt = openConnection(target, {
			signal: connecting.signal,
			home: this.home,
			agentSocket: this.options.agentSocket ?? process.env.SSH_AUTH_SOCK,
			knownHostsFile: this.options.knownHostsFile,
			acceptNewHostKeys: this.options.acceptNewHostKeys ?? false,
			readyTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
			keepaliveIntervalMs: this.options.keepaliveIntervalMs ?? 10_000,
			keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
			onNotice: this.options.onNotice,
		});
		this.connection = attempt;
		const settled = () => this.connecting === connecting && (this.connecting = undefined);
		attempt.then(settled, settled);
		return attempt;
	}
}

/**
 * Exit statuses by channel, recorded from the moment the channel exists. ssh2 handles all the
 * packets of one TCP read in one go: a command that ends quickly (a host whose login shell
 * starts fast, a busy client) has its exit-status emitted in the same tick as the exec's
 * success, before anyone awaiting the channel could listen.
 */
const exits = new WeakMap<ClientChannel, { code: number | null; signal?: string }>();

function openExecChannel(connection: SshConnection, script: string): Promise<ClientChannel> {
	return new Promise((resolve, reject) => {
		try {
			connection.client.exec(script, (error, channel) => {
				if (error) return reject(error);
				channel.on('exit', (code: number | null, signal?: string) => exits.set(channel, { code, signal }));
				resolve(channel);
			});
		} catch (error) {
			// ssh2 throws synchronously when the connection is no longer writable.
			reject(error);
		}
	});
}

/** sshd's answer when MaxSessions is reached ("open failed"), as ssh2 reports it. */
function isChannelRefusal(error: unknown): boolean {
	return error instanceof Error && /Channel open failure/i.test(error.message) && !/server closed channel unexpectedly/i.test(error.message);
}

/** Stops a cancelled command's whole process group from a second channel (see ssh-cancellable.ts). */
function killRemoteGroup(connection: SshConnection, pgid: number): void {
	// Outside the channel queue on purpose: the default limit leaves sshd room for it, and a
	// refusal only means we fall back to closing the channel after the grace period.
	openExecChannel(connection, killProcessGroupScript(pgid)).then(
		(channel) => {
			channel.on('error', () => {});
			channel.resume();
			channel.stderr.resume();
			channel.end();
		},
		() => {},
	);
}

function runChannel(
	channel: ClientChannel,
	connection: SshConnection,
	options: ExecOptions,
	output: { stdout: string; stderr: string },
): Promise<ExecResult> {
	return new Promise((resolve) => {
		let cancelled = false;
		let finished = false;
		let graceTimer: NodeJS.Timeout | undefined;
		let stdinFailure: string | undefined;
		let pgid: number | undefined;
		const splitters = {
			stdout: new LineSplitter((line) => options.onLine?.(line, 'stdout')),
			stderr: new LineSplitter((line) => options.onLine?.(line, 'stderr')),
		};
		const take = (stream: 'stdout' | 'stderr', text: string) => {
			output[stream] += text;
			splitters[stream].push(text);
		};
		// stderr text held until the wrapper's process-group line has gone by (it comes first).
		let stderrHead = '';
		// Decoders keep a UTF-8 character split across two packets whole.
		const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
		channel.on('data', (chunk: Buffer) => take('stdout', decoders.stdout.write(chunk)));
		channel.stderr.on('data', (chunk: Buffer) => {
			if (pgid !== undefined) return take('stderr', decoders.stderr.write(chunk));
			stderrHead += decoders.stderr.write(chunk);
			const found = takeProcessGroup(stderrHead);
			if (found) {
				pgid = found.pgid;
				stderrHead = '';
				if (found.rest !== '') take('stderr', found.rest);
				if (cancelled) killRemoteGroup(connection, pgid);
			} else if (stderrHead.length > 4096) {
				// A login shell chattering before our line: give up on the id, keep the text.
				pgid = 0;
				take('stderr', stderrHead);
				stderrHead = '';
			}
		});
		// Write errors after the command exited early (e.g. tar failing) are not the result.
		channel.on('error', () => {});

		const abort = () => {
			if (cancelled || finished) return;
			cancelled = true;
			// sshd honours "signal" where it can; the process-group kill covers the rest.
			try {
				channel.signal('TERM');
			} catch {
				// The channel may already be closing.
			}
			if (pgid) killRemoteGroup(connection, pgid);
			// Whatever happens remotely, a cancel must not hang on it.
			graceTimer = setTimeout(() => {
				channel.close();
				finish();
			}, cancelGraceMs);
		};
		options.signal?.addEventListener('abort', abort, { once: true });

		const input = feedStdin(channel, options.stdin, (error) => {
			// A broken source must not look like a complete upload: stop the command.
			stdinFailure = `stdin failed: ${error.message}`;
			abort();
		});

		channel.on('close', finish);

		function finish(): void {
			if (finished) return;
			finished = true;
			clearTimeout(graceTimer);
			options.signal?.removeEventListener('abort', abort);
			input?.unpipe(channel);
			take('stdout', decoders.stdout.end());
			take('stderr', stderrHead + decoders.stderr.end());
			splitters.stdout.flush();
			splitters.stderr.flush();
			resolve(commandResult({ output, exit: exits.get(channel), cancelled, stdinFailure, lost: connection.lost }));
		}
	});
}

/** Sends stdin with end-of-input; a Readable is piped, so a large tar stream respects the window. */
function feedStdin(channel: ClientChannel, input: ExecOptions['stdin'], onError: (error: Error) => void): Readable | undefined {
	if (input === undefined) {
		channel.end();
		return undefined;
	}
	if (input instanceof Readable) {
		input.on('error', onError);
		input.pipe(channel);
		return input;
	}
	channel.end(input);
	return undefined;
}
