import { homedir, userInfo } from 'node:os';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { ChannelQueue } from './channel-queue.js';
import { LineSplitter } from './line-splitter.js';
import { openConnection, type SshConnection } from './ssh-connect.js';
import { loadSshConfig } from './ssh-config-file.js';
import { resolveSshTarget, type SshTarget } from './ssh-target.js';
import { notStarted, RemoteShell } from './ssh-shell.js';
import { abandonSupervisorScript, shellBootstrap } from './shell-protocol.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';
import { cancelAnswerMs, commandResult, TransportError } from './transport.js';

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
 * supervisor shell (shell-protocol.ts) when that is idle, else to a one-shot supervisor on an exec
 * channel of its own; at most `maxChannels` channels (the shell's included) at a time. The
 * connection is opened on first use (or `connect`) and reopened by the next exec if it drops;
 * commands running when it drops report `code: null, failure: "connection lost: …"`, never
 * success, and the host stops them (see transport.ts for the whole contract).
 */
export class SshTransport implements Transport {
	readonly kind = 'ssh';
	readonly describe: string;
	private readonly target: SshTarget | undefined;
	private readonly targetError: string | undefined;
	private readonly queue: ChannelQueue;
	private connection: Promise<SshConnection> | undefined;
	private connecting: AbortController | undefined;
	/** The long-lived supervisor: runs scripts when idle and holds the disconnect script. */
	private shell: RemoteShell | undefined;
	private shellOpening: Promise<RemoteShell | undefined> | undefined;
	/** The shell being opened is for a script (its exec will use it), not only to hold the disconnect script. */
	private shellOpeningForExec = false;
	/** Every supervisor with an open channel, one-shots included: `close` quits them all. */
	private readonly shells = new Set<RemoteShell>();
	/** The supervisor could not start on this host (e.g. no `head`): plain execs from now on. */
	private shellRefused = false;
	/** What `onDisconnect` armed on the current connection's supervisor. */
	private disconnectScript: string | undefined;

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
		const failed = (failure: string): ExecResult => ({ code: null, failure, stdout: '', stderr: '' });
		if (options.signal?.aborted) return failed('cancelled');
		let connection: SshConnection | undefined;
		try {
			// A cancel does not wait for a slow handshake (the attempt goes on for the next exec).
			connection = await unlessAborted(this.liveConnection(), options.signal);
		} catch (error) {
			return failed((error as Error).message);
		}
		if (!connection) return failed('cancelled');
		// The disconnect script runs after what its own supervisor was running: work that must
		// finish goes there, so the script cannot run while it is still under way elsewhere.
		if (options.ifDisconnected === 'finish' && this.disconnectScript !== undefined) {
			const finishing = await this.runOnHolder(connection, script, options);
			if (finishing) return finishing;
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
			const plain = this.shellRefused;
			let channel: ClientChannel;
			try {
				channel = await openExecChannel(connection, plain ? script : shellBootstrap());
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
			if (plain) {
				try {
					return await runPlain(channel, connection, options);
				} finally {
					release();
				}
			}
			// The slot is the channel's until it has closed, after the supervisor quit.
			const oneShot = this.supervise(channel, connection, release);
			const result = await oneShot.run(script, options);
			void oneShot.quit();
			if (result !== notStarted) return result;
			this.shellRefused = !connection.lost;
			retried = true;
		}
	}

	/**
	 * Arms `script` to run on the host if this connection dies without `close()` (the CLI killed,
	 * the network gone); `undefined` disarms it. One script per connection, the last one armed
	 * wins. True once the host has confirmed it, false when it cannot be armed (no connection, or
	 * a host where the supervisor cannot start). See transport.ts for when it runs.
	 */
	async onDisconnect(script: string | undefined): Promise<boolean> {
		this.disconnectScript = script;
		let connection: SshConnection;
		try {
			connection = await this.liveConnection();
		} catch {
			return false;
		}
		const holder = await this.holder(connection);
		// A holder may have been replaced (or armed with a newer script) meanwhile: only the latest counts.
		if (!holder || this.disconnectScript !== script) return false;
		return holder.setDisconnectScript(script);
	}

	/**
	 * Runs the script in the connection's shell, opening it if there is none; undefined when the
	 * shell is busy, being opened, or cannot be had (the caller then opens a channel of its own).
	 */
	private async runInShell(connection: SshConnection, script: string, options: ExecOptions): Promise<ExecResult | undefined> {
		if (this.options.persistentShell === false || this.shellRefused) return undefined;
		let shell = this.shell?.usable ? this.shell : undefined;
		// Opened to hold the disconnect script, with nothing to run yet: this script is the first.
		if (!shell && this.shellOpening && !this.shellOpeningForExec) shell = await this.shellOpening;
		if (!shell?.usable) {
			if (this.shellOpening) return undefined;
			this.shellOpeningForExec = true;
			try {
				shell = await this.openShell(connection, false);
			} finally {
				this.shellOpeningForExec = false;
			}
			if (!shell) return undefined;
		}
		if (shell.busy) return undefined;
		const result = await shell.run(script, options);
		if (result === notStarted) {
			this.shellRefused = !connection.lost;
			return undefined;
		}
		// An idle shell holds a channel that queued commands are waiting for: give it back, unless
		// it holds the disconnect script.
		if (this.queue.waiting > 0 && !shell.busy && this.disconnectScript === undefined) void shell.quit();
		return result;
	}

	/** Runs the script on the disconnect script's holder, waiting for it to be free; undefined if there is none. */
	private async runOnHolder(connection: SshConnection, script: string, options: ExecOptions): Promise<ExecResult | undefined> {
		for (;;) {
			const holder = await this.holder(connection);
			if (!holder) return undefined;
			if (holder.busy) {
				if (!(await untilIdleOrAborted(holder, options.signal))) return { code: null, failure: 'cancelled', stdout: '', stderr: '' };
				continue;
			}
			const result = await holder.run(script, options);
			if (result !== notStarted) return result;
			this.shellRefused = !connection.lost;
			return undefined;
		}
	}

	/** The supervisor that holds the disconnect script: the connection's shell, opened (waiting for a channel) if need be. */
	private async holder(connection: SshConnection): Promise<RemoteShell | undefined> {
		if (this.shellRefused) return undefined;
		if (this.shell?.usable) return this.shell;
		const opening = this.shellOpening;
		if (opening) {
			const opened = await opening;
			if (opened?.usable) return opened;
		}
		return this.openShell(connection, true);
	}

	/** Opens the connection's shell; `wait` for a free channel, else only if one is free now. */
	private openShell(connection: SshConnection, wait: boolean): Promise<RemoteShell | undefined> {
		const opening = (async () => {
			const release = wait ? await this.queue.acquire(true) : this.queue.tryAcquire();
			if (!release) return undefined;
			let channel: ClientChannel;
			try {
				channel = await openExecChannel(connection, shellBootstrap());
			} catch {
				// Refused or failed: the plain path tries again, learns the limit and reports errors.
				release();
				return undefined;
			}
			const shell = this.supervise(channel, connection, release);
			this.shell = shell;
			// A supervisor that replaces one that went away (the connection still up) holds the script too.
			if (this.disconnectScript !== undefined) void shell.setDisconnectScript(this.disconnectScript);
			return shell;
		})();
		this.shellOpening = opening;
		const settled = () => this.shellOpening === opening && (this.shellOpening = undefined);
		opening.then(settled, settled);
		return opening;
	}

	/** A supervisor on `channel`, known to `close`; `release` gives the channel's slot back when it closes. */
	private supervise(channel: ClientChannel, connection: SshConnection, release: () => void): RemoteShell {
		const shell: RemoteShell = new RemoteShell(channel, {
			lost: () => connection.lost,
			abandon: (pid) => abandonSupervisor(connection, pid),
			closed: () => {
				release();
				this.shells.delete(shell);
				if (this.shell !== shell) return;
				this.shell = undefined;
				// The host ran the script when the connection died: it is not carried to the next one.
				if (connection.lost) this.disconnectScript = undefined;
				// The holder went while the connection lives on (given up after a cancel): another takes over.
				else if (this.disconnectScript !== undefined && shell.started) void this.onDisconnect(this.disconnectScript);
			},
		});
		this.shells.add(shell);
		return shell;
	}

	/**
	 * Quits every supervisor (a running command is stopped; the disconnect script does not run),
	 * waits briefly for them to confirm, then ends the connection.
	 */
	async close(): Promise<void> {
		const shells = [...this.shells];
		this.shell = undefined;
		this.disconnectScript = undefined;
		// A handshake still under way is given up, not waited for.
		this.connecting?.abort();
		const pending = this.connection;
		this.connection = undefined;
		if (!pending) return;
		await Promise.all(shells.map((shell) => shell.quit()));
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

/** The promise's value, or undefined as soon as `signal` aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
	if (!signal) return promise;
	if (signal.aborted) return Promise.resolve(undefined);
	return new Promise((resolve, reject) => {
		const aborted = () => resolve(undefined);
		signal.addEventListener('abort', aborted, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', aborted);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', aborted);
				reject(error);
			},
		);
	});
}

/** Resolves true once `shell` is idle, false if `signal` aborts first. */
async function untilIdleOrAborted(shell: RemoteShell, signal: AbortSignal | undefined): Promise<boolean> {
	return (await unlessAborted(shell.idle().then(() => true), signal)) ?? false;
}

/** Tells a supervisor that no longer reads its stdin to stop, from a second channel. */
function abandonSupervisor(connection: SshConnection, pid: number): void {
	// Outside the channel queue on purpose: the default limit leaves sshd room for it.
	openExecChannel(connection, abandonSupervisorScript(pid)).then(
		(channel) => {
			channel.on('error', () => {});
			channel.resume();
			channel.stderr.resume();
			channel.end();
		},
		() => {},
	);
}

/**
 * A script run straight in an exec channel, for hosts where the supervisor cannot start. Weaker:
 * a cancel is a "signal" request (which sshd honours only for some users) and then closing the
 * channel, which does not stop a command that is not writing; a lost connection stops nothing.
 */
function runPlain(channel: ClientChannel, connection: SshConnection, options: ExecOptions): Promise<ExecResult> {
	return new Promise((resolve) => {
		const output = { stdout: '', stderr: '' };
		let cancelled = false;
		let finished = false;
		let answerTimer: NodeJS.Timeout | undefined;
		let stdinFailure: string | undefined;
		const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
		const splitters = {
			stdout: new LineSplitter((line) => options.onLine?.(line, 'stdout')),
			stderr: new LineSplitter((line) => options.onLine?.(line, 'stderr')),
		};
		const take = (stream: 'stdout' | 'stderr', text: string) => {
			output[stream] += text;
			splitters[stream].push(text);
		};
		channel.on('data', (chunk: Buffer) => take('stdout', decoders.stdout.write(chunk)));
		channel.stderr.on('data', (chunk: Buffer) => take('stderr', decoders.stderr.write(chunk)));
		// Write errors after the command exited early (e.g. tar failing) are not the result.
		channel.on('error', () => {});
		const abort = () => {
			if (cancelled || finished) return;
			cancelled = true;
			try {
				channel.signal('TERM');
			} catch {
				// The channel may already be closing.
			}
			answerTimer = setTimeout(() => {
				channel.close();
				finish();
			}, cancelAnswerMs);
		};
		if (options.signal?.aborted) abort();
		else options.signal?.addEventListener('abort', abort, { once: true });
		const input = options.stdin;
		if (input instanceof Readable) {
			input.on('error', (error: Error) => {
				// A broken source must not look like a complete upload: stop the command.
				stdinFailure = `stdin failed: ${error.message}`;
				abort();
			});
			input.pipe(channel);
		} else channel.end(input);
		channel.on('close', finish);

		function finish(): void {
			if (finished) return;
			finished = true;
			clearTimeout(answerTimer);
			options.signal?.removeEventListener('abort', abort);
			if (input instanceof Readable) input.unpipe(channel);
			take('stdout', decoders.stdout.end());
			take('stderr', decoders.stderr.end());
			splitters.stdout.flush();
			splitters.stderr.flush();
			resolve(commandResult({ output, exit: exits.get(channel), cancelled, stdinFailure, lost: connection.lost }));
		}
	});
}
