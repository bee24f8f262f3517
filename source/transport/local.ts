import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { ProcessPerScript } from './local-process.js';
import { ShellProcess } from './local-shell.js';
import { notStarted, RemoteShell } from './ssh-shell.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';

export interface LocalTransportOptions {
	/**
	 * Run scripts through a long-lived shell (shell-protocol.ts's supervisor, as on an SSH host)
	 * rather than a process each. Default: where `setsid` is on PATH, which the supervisor needs to
	 * give each script a process group of its own.
	 */
	readonly persistentShell?: boolean;
}

interface LocalShell {
	readonly remote: RemoteShell;
	readonly process: ShellProcess;
	/** The host using it; none while it waits in `idleShells`. */
	owner: LocalTransport | undefined;
	/** It holds its owner's disconnect script. */
	hooked: boolean;
}

/**
 * Runs scripts on this machine: a `local = true` host. Like an SSH host's connection it has a
 * shell, the supervisor of shell-protocol.ts, that runs script after script, each in a process
 * group of its own, and holds the disconnect script; a script that finds it busy gets a second
 * shell. Starting a process costs this process's one thread milliseconds (Node waits until the
 * child has exec'd, far longer on a busy machine); a shell's own forks cost it nothing. Every
 * local host is this machine, so a host that closes cleanly hands its shell on to the next
 * (see `idleShells`). Where the supervisor cannot run (no `setsid`, or it does not start), each
 * script is a process of its own (local-process.ts).
 */
export class LocalTransport implements Transport {
	readonly kind = 'local';
	readonly describe = 'local';
	/** The shell that runs scripts when idle and holds the disconnect script. */
	private shell: LocalShell | undefined;
	/** Every shell this host uses, second ones included: `close` hands them all back. */
	private readonly shells = new Set<LocalShell>();
	private disconnectScript: string | undefined;
	/** Loaded only where it is used (it brings execa): most machines never need it. */
	private perProcess: Promise<ProcessPerScript> | undefined;

	constructor(options: LocalTransportOptions = {}) {
		if (!(options.persistentShell ?? canDetach())) void this.withoutShell();
	}

	async connect(): Promise<void> {}

	async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
		if (this.perProcess) return (await this.perProcess).exec(script, options);
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
		const second = this.take();
		try {
			return await this.runOn(second, script, options);
		} finally {
			this.shells.delete(second);
			handBack(second);
		}
	}

	async onDisconnect(script: string | undefined): Promise<boolean> {
		if (this.perProcess) return (await this.perProcess).onDisconnect(script);
		this.disconnectScript = script;
		const holder = this.holder();
		const armed = await arm(holder, script);
		if (!armed && !holder.remote.started && this.disconnectScript === script) return (await this.withoutShell()).onDisconnect(script);
		return armed && this.disconnectScript === script;
	}

	/**
	 * A clean end: a running script is stopped and its shell quits; an idle shell forgets the
	 * disconnect script (the shell confirms before this resolves) and waits for the next host.
	 */
	async close(): Promise<void> {
		const shells = [...this.shells];
		this.shells.clear();
		this.shell = undefined;
		this.disconnectScript = undefined;
		await Promise.all(
			shells.map(async (shell) => {
				shell.owner = undefined;
				if (shell.hooked && !shell.remote.busy && !(await arm(shell, undefined))) return shell.remote.quit();
				handBack(shell);
			}),
		);
		await (await this.perProcess)?.close();
	}

	/** Its shell went away (quit, or given up after an unconfirmed cancel). */
	forget(shell: LocalShell): void {
		this.shells.delete(shell);
		if (this.shell !== shell) return;
		this.shell = undefined;
		// Given up while this host lives on: another shell takes the disconnect script over.
		if (this.disconnectScript !== undefined && shell.remote.started) void this.onDisconnect(this.disconnectScript);
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
		const perProcess = await this.withoutShell();
		if (this.disconnectScript !== undefined) await perProcess.onDisconnect(this.disconnectScript);
		return perProcess.exec(script, options);
	}

	private withoutShell(): Promise<ProcessPerScript> {
		this.perProcess ??= import('./local-process.js').then(({ ProcessPerScript }) => new ProcessPerScript());
		return this.perProcess;
	}

	/** The shell that holds the disconnect script, taken if there is none (or it has gone). */
	private holder(): LocalShell {
		if (this.shell?.remote.usable) return this.shell;
		const shell = this.take();
		this.shell = shell;
		if (this.disconnectScript !== undefined) void arm(shell, this.disconnectScript);
		return shell;
	}

	private take(): LocalShell {
		const shell = takeShell(this);
		this.shells.add(shell);
		return shell;
	}
}

/**
 * Shells that hosts closed cleanly, idle and holding no disconnect script: every local host is
 * this machine, so the next host takes one instead of starting a process. A 200-host deploy
 * starts about as many shells as hosts run at once.
 */
const idleShells: LocalShell[] = [];
const maxIdleShells = 32;

function takeShell(owner: LocalTransport): LocalShell {
	for (let shell = idleShells.pop(); shell; shell = idleShells.pop()) {
		if (shell.remote.usable && !shell.remote.busy) {
			shell.owner = owner;
			return shell;
		}
	}
	const child = new ShellProcess();
	const shell: LocalShell = {
		process: child,
		owner,
		hooked: false,
		remote: new RemoteShell(child, {
			lost: () => undefined,
			abandon: () => child.close(),
			closed: () => {
				const waiting = idleShells.indexOf(shell);
				if (waiting !== -1) idleShells.splice(waiting, 1);
				shell.owner?.forget(shell);
			},
		}),
	};
	return shell;
}

function handBack(shell: LocalShell): void {
	shell.owner = undefined;
	if (shell.remote.usable && !shell.remote.busy && !shell.hooked && idleShells.length < maxIdleShells) idleShells.push(shell);
	else void shell.remote.quit();
}

/** Arms (or with undefined disarms) the shell's disconnect script; true once the shell has confirmed it. */
async function arm(shell: LocalShell, script: string | undefined): Promise<boolean> {
	shell.process.hold();
	try {
		const armed = await shell.remote.setDisconnectScript(script);
		if (armed) shell.hooked = script !== undefined;
		return armed;
	} finally {
		shell.process.letGo();
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
