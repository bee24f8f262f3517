import type { SshTransport, SshTransportOptions } from './ssh.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';

/**
 * Loads the SSH stack (ssh2 and its crypto) the first time a host needs it: the console's first
 * frame and local-only fleets never pay for it.
 */
export class LazySshTransport implements Transport {
	readonly kind = 'ssh';
	private inner?: Promise<SshTransport>;

	constructor(private readonly options: SshTransportOptions) {}

	get describe(): string {
		return this.options.target;
	}

	private load(): Promise<SshTransport> {
		this.inner ??= import('./ssh.js').then(({ SshTransport }) => new SshTransport(this.options));
		return this.inner;
	}

	async connect(): Promise<void> {
		await (await this.load()).connect();
	}

	async exec(script: string, options?: ExecOptions): Promise<ExecResult> {
		return (await this.load()).exec(script, options);
	}

	async onDisconnect(script: string | undefined): Promise<boolean> {
		return (await this.load()).onDisconnect(script);
	}

	async close(): Promise<void> {
		if (this.inner) await (await this.inner).close();
	}
}
