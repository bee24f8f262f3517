import type { ClientChannel } from 'ssh2';
import type { ChannelQueue } from './channel-queue.js';
import type { DisconnectScript } from './disconnect-script.js';
import { shellBootstrap } from './shell-protocol.js';
import { abandonSupervisor, openExecChannel } from './ssh-channel.js';
import type { SshConnection } from './ssh-connect.js';
import { notStarted, RemoteShell } from './ssh-shell.js';
import type { ExecOptions, ExecResult } from './transport.js';
import { unlessAborted } from './unless-aborted.js';

/**
 * The supervisors (shell-protocol.ts) on a host's connection: one long-lived shell that runs
 * scripts while it is idle and holds the disconnect script, and one-shots on exec channels of
 * their own for scripts that come while it is busy, each within the transport's channel slots.
 * Learns when the host cannot run a supervisor at all (`refused`): plain execs from then on.
 */
export class SupervisorPool {
	/** The long-lived supervisor: runs scripts when idle and holds the disconnect script. */
	private shell: RemoteShell | undefined;
	private shellOpening: Promise<RemoteShell | undefined> | undefined;
	/** The shell being opened is for a script (its exec will use it), not only to hold the disconnect script. */
	private shellOpeningForExec = false;
	/** Every supervisor with an open channel, one-shots included: a close quits them all. */
	private readonly shells = new Set<RemoteShell>();
	private refusedHere = false;

	/** `longLived` false: every script gets a one-shot (the long-lived shell only holds the disconnect script). */
	constructor(
		private readonly queue: ChannelQueue,
		private readonly disconnect: DisconnectScript,
		private readonly longLived: boolean,
	) {}

	/** The supervisor could not start on this host (e.g. no `head`): plain execs from now on. */
	get refused(): boolean {
		return this.refusedHere;
	}

	/**
	 * Runs the script in the connection's shell, opening it if there is none; undefined when the
	 * shell is busy, being opened, or cannot be had (the caller then opens a channel of its own).
	 */
	async runInShell(connection: SshConnection, script: string, options: ExecOptions): Promise<ExecResult | undefined> {
		if (!this.longLived || this.refusedHere) return undefined;
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
			this.refusedHere = !connection.lost;
			return undefined;
		}
		// An idle shell holds a channel that queued commands are waiting for: give it back, unless
		// it holds the disconnect script.
		if (this.queue.waiting > 0 && !shell.busy && !this.disconnect.armed) void shell.quit();
		return result;
	}

	/** Runs the script on the disconnect script's holder, waiting for it to be free; undefined if there is none. */
	async runOnHolder(connection: SshConnection, script: string, options: ExecOptions): Promise<ExecResult | undefined> {
		for (;;) {
			const holder = await this.holder(connection);
			if (!holder) return undefined;
			if (holder.busy) {
				if (!(await untilIdleOrAborted(holder, options.signal))) return { code: null, failure: 'cancelled', stdout: '', stderr: '' };
				continue;
			}
			const result = await holder.run(script, options);
			if (result !== notStarted) return result;
			this.refusedHere = !connection.lost;
			return undefined;
		}
	}

	/**
	 * Runs the script under a one-shot supervisor on `channel` (opened with `shellBootstrap()`), which
	 * keeps the channel's slot until it has closed; `notStarted` when the supervisor could not start.
	 */
	async runOneShot(channel: ClientChannel, connection: SshConnection, release: () => void, script: string, options: ExecOptions): Promise<ExecResult | typeof notStarted> {
		const oneShot = this.supervise(channel, connection, release);
		const result = await oneShot.run(script, options);
		void oneShot.quit();
		if (result === notStarted) this.refusedHere = !connection.lost;
		return result;
	}

	/** The supervisor that holds the disconnect script: the connection's shell, opened (waiting for a channel) if need be. */
	async holder(connection: SshConnection): Promise<RemoteShell | undefined> {
		if (this.refusedHere) return undefined;
		if (this.shell?.usable) return this.shell;
		const opening = this.shellOpening;
		if (opening) {
			const opened = await opening;
			if (opened?.usable) return opened;
		}
		return this.openShell(connection, true);
	}

	/** Lets every supervisor go, for a close to quit them: the next script opens a new long-lived shell. */
	letGo(): RemoteShell[] {
		this.shell = undefined;
		return [...this.shells];
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
			this.disconnect.handTo(shell);
			return shell;
		})();
		this.shellOpening = opening;
		const settled = () => this.shellOpening === opening && (this.shellOpening = undefined);
		opening.then(settled, settled);
		return opening;
	}

	/** A supervisor on `channel`, known to a close; `release` gives the channel's slot back when it closes. */
	private supervise(channel: ClientChannel, connection: SshConnection, release: () => void): RemoteShell {
		const shell: RemoteShell = new RemoteShell(channel, {
			lost: () => connection.lost,
			abandon: (pid) => abandonSupervisor(connection, pid),
			closed: () => {
				release();
				this.shells.delete(shell);
				if (this.shell !== shell) return;
				this.shell = undefined;
				this.disconnect.holderClosed(shell, connection.lost !== undefined);
			},
		});
		this.shells.add(shell);
		return shell;
	}
}

/** Resolves true once `shell` is idle, false if `signal` aborts first. */
async function untilIdleOrAborted(shell: RemoteShell, signal: AbortSignal | undefined): Promise<boolean> {
	return (await unlessAborted(shell.idle().then(() => true), signal)) ?? false;
}
