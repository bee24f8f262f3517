import type { SshConnection } from './ssh-connect.js';
import { TransportError } from './transport.js';

/**
 * The one connection every exec of a transport shares: opened on first use, reopened once if the
 * last one dropped. Concurrent callers wait on the same attempt, so a burst of execs after a drop
 * makes one new connection, not one each. A failed attempt is forgotten: the next exec tries again.
 */
export class SharedConnection {
	private connection: Promise<SshConnection> | undefined;
	private connecting: AbortController | undefined;

	/** `open` makes a connection; aborting its signal abandons the handshake. */
	constructor(private readonly open: (signal: AbortSignal) => Promise<SshConnection>) {}

	async live(): Promise<SshConnection> {
		for (let attempt = 0; ; attempt++) {
			const current = this.connection ?? this.openFresh();
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

	/**
	 * Lets the connection go: a handshake still under way is given up, not waited for, and the next
	 * `live` opens a new one. Returns the connection (or attempt) there was, for the caller to end.
	 */
	detach(): Promise<SshConnection> | undefined {
		this.connecting?.abort();
		const pending = this.connection;
		this.connection = undefined;
		return pending;
	}

	private openFresh(): Promise<SshConnection> {
		const connecting = new AbortController();
		this.connecting = connecting;
		const attempt = this.open(connecting.signal);
		this.connection = attempt;
		const settled = () => this.connecting === connecting && (this.connecting = undefined);
		attempt.then(settled, settled);
		return attempt;
	}
}
