import { homedir, userInfo } from 'node:os';
import type { ClientChannel } from 'ssh2';
import { ChannelQueue } from './channel-queue.js';
import { DisconnectScript } from './disconnect-script.js';
import { runPlain } from './plain-exec.js';
import { SharedConnection } from './shared-connection.js';
import { shellBootstrap } from './shell-protocol.js';
import { isChannelRefusal, openExecChannel } from './ssh-channel.js';
import { openConnection, type SshConnection } from './ssh-connect.js';
import { loadSshConfig } from './ssh-config-file.js';
import { notStarted } from './ssh-shell.js';
import { resolveSshTarget, type SshTarget } from './ssh-target.js';
import { SupervisorPool } from './supervisor-pool.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';
import { TransportError } from './transport.js';
import { unlessAborted } from './unless-aborted.js';

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
 * Runs scripts on a host over one persistent ssh2 connection (shared-connection.ts): a script goes
 * to the connection's supervisor shell when that is idle, else to a one-shot supervisor on an exec
 * channel of its own (supervisor-pool.ts), or straight into a plain exec channel on a host where
 * no supervisor can start (plain-exec.ts); at most `maxChannels` channels (the shell's included)
 * at a time. The connection is opened on first use (or `connect`) and reopened by the next exec if
 * it drops; commands running when it drops report `code: null, failure: "connection lost: …"`,
 * never success, and the host stops them (see transport.ts for the whole contract).
 */
export class SshTransport implements Transport {
	readonly kind = 'ssh';
	readonly describe: string;
	private readonly target: SshTarget | undefined;
	private readonly targetError: string | undefined;
	private readonly queue: ChannelQueue;
	private readonly connection: SharedConnection | undefined;
	private readonly pool: SupervisorPool;
	private readonly disconnect: DisconnectScript;

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
		const target = this.target;
		this.connection = target && new SharedConnection((signal) => this.open(target, signal));
		this.disconnect = new DisconnectScript(async () => this.pool.holder(await this.liveConnection()));
		this.pool = new SupervisorPool(this.queue, this.disconnect, options.persistentShell !== false);
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
		if (options.ifDisconnected === 'finish' && this.disconnect.armed) {
			const finishing = await this.pool.runOnHolder(connection, script, options);
			if (finishing) return finishing;
		}
		const viaShell = await this.pool.runInShell(connection, script, options);
		if (viaShell) return viaShell;
		return this.runOnChannel(connection, script, options);
	}

	/**
	 * Arms `script` to run on the host if this connection dies without `close()` (the CLI killed,
	 * the network gone); `undefined` disarms it. One script per connection, the last one armed
	 * wins. True once the host has confirmed it, false when it cannot be armed (no connection, or
	 * a host where the supervisor cannot start). See transport.ts for when it runs.
	 */
	onDisconnect(script: string | undefined): Promise<boolean> {
		return this.disconnect.arm(script);
	}

	/**
	 * Quits every supervisor (a running command is stopped; the disconnect script does not run),
	 * waits briefly for them to confirm, then ends the connection.
	 */
	async close(): Promise<void> {
		const supervisors = this.pool.letGo();
		this.disconnect.forget();
		// A handshake still under way is given up, not waited for.
		const pending = this.connection?.detach();
		if (!pending) return;
		await Promise.all(supervisors.map((shell) => shell.quit()));
		try {
			(await pending).end();
		} catch {
			// It never connected; nothing to close.
		}
	}

	/** The script on an exec channel of its own once a slot is free: under a one-shot supervisor, or plain where none can start. */
	private async runOnChannel(connection: SshConnection, script: string, options: ExecOptions): Promise<ExecResult> {
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
			const plain = this.pool.refused;
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
			const result = await this.pool.runOneShot(channel, connection, release, script, options);
			if (result !== notStarted) return result;
			retried = true;
		}
	}

	private liveConnection(): Promise<SshConnection> {
		if (!this.connection) return Promise.reject(new TransportError(this.targetError ?? `${this.options.target}: cannot resolve`));
		return this.connection.live();
	}

	private open(target: SshTarget, signal: AbortSignal): Promise<SshConnection> {
		return openConnection(target, {
			signal,
			home: this.home,
			agentSocket: this.options.agentSocket ?? process.env.SSH_AUTH_SOCK,
			knownHostsFile: this.options.knownHostsFile,
			acceptNewHostKeys: this.options.acceptNewHostKeys ?? false,
			readyTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
			keepaliveIntervalMs: this.options.keepaliveIntervalMs ?? 10_000,
			keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
			onNotice: this.options.onNotice,
		});
	}
}

const failed = (failure: string): ExecResult => ({ code: null, failure, stdout: '', stderr: '' });
