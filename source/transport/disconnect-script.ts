import type { RemoteShell } from './ssh-shell.js';

/**
 * The disconnect script of one SSH transport (`Transport.onDisconnect`): the last one armed, held
 * by the connection's long-lived supervisor, which runs it if the connection dies without a clean
 * quit. A supervisor that takes over while the connection lives is armed with it too; once the
 * connection is lost the host has run it, and it is not carried to the next connection.
 */
export class DisconnectScript {
	private script: string | undefined;

	/** `holder`: the supervisor that holds the script, opened if need be; undefined when none can be had. */
	constructor(private readonly holder: () => Promise<RemoteShell | undefined>) {}

	/** A script is armed: the supervisor holding it stays open while idle, and work that must finish runs on it. */
	get armed(): boolean {
		return this.script !== undefined;
	}

	/** Arms `script` (undefined disarms); true once the host confirmed it, false when it cannot be armed. */
	async arm(script: string | undefined): Promise<boolean> {
		this.script = script;
		const holder = await this.holder().catch(() => undefined);
		// A holder may have been replaced (or armed with a newer script) meanwhile: only the latest counts.
		if (!holder || this.script !== script) return false;
		return holder.setDisconnectScript(script);
	}

	/** A new long-lived supervisor holds the script from now on. */
	handTo(shell: RemoteShell): void {
		if (this.script !== undefined) void shell.setDisconnectScript(this.script);
	}

	/** The supervisor that held it closed; `lost`: its connection went with it. */
	holderClosed(shell: RemoteShell, lost: boolean): void {
		// The host ran the script when the connection died: it is not carried to the next one.
		if (lost) this.script = undefined;
		// The holder went while the connection lives on (given up after a cancel): another takes over.
		else if (this.script !== undefined && shell.started) void this.arm(this.script);
	}

	/** A clean close: nothing is to run. */
	forget(): void {
		this.script = undefined;
	}
}
