import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ProcessPerScript } from './local-process.js';
import { ShellProcess } from './local-shell.js';
import { notStarted, RemoteShell } from './ssh-shell.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';

export interface LocalTransportOptions {
	/**
	 * Run scripts through one long-lived shell (shell-protocol.ts's supervisor, as on an SSH host)
	 * rather than a process each. Default: where `setsid` is on PATH, which the supervisor needs to
	 * give each script a process group of its own.
	 */
	readonly persistentShell?: boolean;
}

interface LocalShell {
	readonly remote: RemoteShell;
	readonly process: ShellProcess;
}

/**
 * Runs scripts on this machine: a `local = true` host. Like an SSH host's connection it keeps one
 * shell, the supervisor of shell-protocol.ts, that runs script after script, each in a process
 * group of its own, and holds the disconnect script; a script that finds it busy gets a one-shot
 * shell of its own. Starting a process costs this process's one thread milliseconds (Node waits
 * until the child has exec'd); the shell's own forks cost it nothing. Where the supervisor cannot
 * run (no `setsid`, or it does not start), each script is a process of its own (local-process.ts).
 */
export class LocalTransport implements Transport {
	readonly kind = 'local';
	readonly describe = 'local';
	/** The long-lived shell: runs scripts when idle and holds the disconnect script. */
	private shell: LocalShell | undefined;
	/** Every shell started, one-shots included: `close` quits them all. */
	private readonly shells = new Set<LocalShell>();
	private disconnectScript: string | undefined;
	private perProcess: ProcessPerScript | undefined;

	constructor(options: LocalTransportOptions = {}) {
		if (!(options.persistentShell ?? canDetach())) this.perProcess = new ProcessPerScript();
	}

	async connect(): Promise<void> {}

	async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
		if (this.perProcess) return this.perProcess.exec(script, options);
		const cancelled: ExecResult = { code: null, failure: 'cancelled', stdout: '', stderr: '' };
		if (options.signal?.aborted) return cancelled;
		// The disconnect script runs after what its own shell was running: work that must finish goes there.
		if (options.ifDisconnected === 'finish' && this.disconnectScript !== undefined) {
			const holder = this.holder();
			while (holder.remote.busy) if (!(await untilIdleOrAborted(holder.remote, options.signal))) return cancelled;
			return this.runOn(holder, script, options);
		}
		const shell = this.holder();
		if (!shell.remote.busy) return this.runOn(shell, script, options);
		const oneShot = this.open();
		try {
			return await this.runOn(oneShot, script, options);
		} finally {
			void oneShot.remote.quit();
		}
	}

	async onDisconnect(script: string | undefined): Promise<boolean> {
		if (this.perProcess) return this.perProcess.onDisconnect(script);
		this.disconnectScript = script;
		const holder = this.holder();
		holder.process.hold();
		try {
			const armed = await holder.remote.setDisconnectScript(script);
			if (!armed && !holder.remote.started && this.disconnectScript === script) return this.withoutShell().onDisconnect(script);
			return armed && this.disconnectScript === script;
		} finally {
			holder.process.letGo();
		}
	}

	/** Quits every shell (a running script is stopped; the disconnect script does not run). */
	async close(): Promise<void> {
		const shells = [...this.shells];
		this.shell = undefined;
		this.disconnectScript = undefined;
		await Promise.all(shells.map((shell) => shell.remote.quit()));
		await this.perProcess?.close();
	}

	private async runOn(shell: LocalShell, script: string, options: ExecOptions): Promise<ExecResult> {
		shell.process.hold();
		let result: ExecResult | typeof notStarted;
		try {
			result = await shell.remote.run(script, options);
		} finally {
			shell.process.letGo();
		}
		if (result !== notStarted) return result;
		// The supervisor could not run here (e.g. no `head`): a process per script from now on.
		const perProcess = this.withoutShell();
		if (this.disconnectScript !== undefined) await perProcess.onDisconnect(this.disconnectScript);
		return perProcess.exec(script, options);
	}

	private withoutShell(): ProcessPerScript {
		this.perProcess ??= new ProcessPerScript();
		return this.perProcess;
	}

	/** The shell that holds the disconnect script, started if there is none (or it has gone). */
	private holder(): LocalShell {
		if (this.shell?.remote.usable) return this.shell;
		const shell = this.open();
		this.shell = shell;
		if (this.disconnectScript !== undefined) {
			shell.process.hold();
			void shell.remote.setDisconnectScript(this.disconnectScript).finally(() => shell.process.letGo());
		}
		return shell;
	}

	private open(): LocalShell {
		const child = new ShellProcess();
		const shell: LocalShell = {
			process: child,
			remote: new RemoteShell(child, {
				lost: () => undefined,
				abandon: () => child.close(),
				closed: () => {
					this.shells.delete(shell);
					if (this.shell !== shell) return;
					this.shell = undefined;
					// Given up after a cancel that was not confirmed: another shell takes the disconnect script over.
					if (this.disconnectScript !== undefined && shell.remote.started) void this.onDisconnect(this.disconnectScript);
				},
			}),
		};
		this.shells.add(shell);
		return shell;
	}
}

/** Resolves true once `shell` is idle, false if `signal` aborts first. */
function untilIdleOrAborted(shell: RemoteShell, signal: AbortSignal | undefined): Promise<boolean> {
	if (!signal) return shell.idle().then(() => true);
	if (signal.aborted) return Promise.resolve(false);
	return new Promise((resolve) => {
		const aborted = () => resolve(false);
		signal.addEventListener('abort', aborted, { once: true });
		void shell.idle().then(() => {
			signal.removeEventListener('abort', aborted);
			resolve(true);
		});
	});
}

let detachable: boolean | undefined;

/** Whether `setsid` is on PATH (looked up once): the supervisor gives each script its own process group with it. */
function canDetach(): boolean {
	detachable ??= (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
		if (dir === '') return false;
		try {
			accessSync(path.join(dir, 'setsid'), constants.X_OK);
			return true;
		} catch {
			return false;
		}
	});
	return detachable;
}
