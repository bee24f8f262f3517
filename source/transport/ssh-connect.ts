import type { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import { describeAuthFailure, planAuth } from './ssh-auth.js';
import { prepareHostKeyCheck } from './host-key-check.js';
import type { SshEndpoint, SshTarget } from './ssh-target.js';
import { TransportError } from './transport.js';

/**
 * Opens the ssh2 connection to a target, through its ProxyJump hosts if any: each hop is
 * its own SSH session (own host key check, own credentials) carried inside the previous
 * hop's `direct-tcpip` channel, as `ssh -J` does. Failures become one line an operator can act on.
 */

export interface ConnectSettings {
	readonly home: string;
	readonly agentSocket?: string;
	/** Replaces UserKnownHostsFile for every hop when set (the --known-hosts flag). */
	readonly knownHostsFile?: string;
	readonly acceptNewHostKeys: boolean;
	readonly readyTimeoutMs: number;
	readonly keepaliveIntervalMs: number;
	readonly keepaliveCountMax: number;
	readonly onNotice?: (message: string) => void;
	/** Abandons the attempt (the transport was closed before it connected). */
	readonly signal?: AbortSignal;
}

/** A live connection: the target's client plus the jump clients it rides on. */
export class SshConnection {
	private lostReason: string | undefined;
	private lastError: Error | undefined;
	private ended = false;

	constructor(
		readonly client: Client,
		private readonly jumps: readonly Client[],
		private readonly keepaliveSummary: string,
	) {
		// Errors after 'ready' are the reasons for a coming 'close' (reset, protocol error).
		client.on('error', (error: Error) => (this.lastError = error));
		// ssh2 emits these before it closes the channels, so a channel closing without an
		// exit status can tell a dropped connection from anything else.
		client.on('end', () => this.gone());
		client.on('close', () => this.gone());
	}

	/** Set once the connection is gone; the text says why ("connection lost: …"). */
	get lost(): string | undefined {
		return this.lostReason;
	}

	end(): void {
		this.ended = true;
		this.client.end();
		for (const jump of this.jumps) jump.end();
	}

	/** Nothing has come from the host through all the keepalives: it is given up on. */
	silent(): void {
		this.gone(`connection lost: no answer to keepalives (${this.keepaliveSummary})`);
		this.client.destroy();
	}

	private gone(reason?: string): void {
		if (this.lostReason !== undefined) return;
		this.lostReason = reason ?? (this.ended ? 'connection closed' : `connection lost: ${describeDrop(this.lastError)}`);
		for (const jump of this.jumps) jump.end();
	}
}

function describeDrop(error: Error | undefined): string {
	if (!error) return 'the server closed the connection';
	const code = (error as NodeJS.ErrnoException).code;
	if (code === 'ECONNRESET') return 'connection reset by peer';
	return error.message;
}

export async function openConnection(target: SshTarget, settings: ConnectSettings): Promise<SshConnection> {
	const hops: SshEndpoint[] = [...target.jumps, target];
	const clients: Hop[] = [];
	try {
		for (const [index, endpoint] of hops.entries()) {
			const previous = clients[index - 1];
			const via = index > 0 ? hops[index - 1] : undefined;
			const sock = previous && via ? await forward(previous.client, via, endpoint) : undefined;
			const prefix = index < hops.length - 1 ? `jump host ${endpoint.name}: ` : '';
			clients.push(await connectEndpoint(endpoint, settings, sock, prefix));
		}
	} catch (error) {
		for (const hop of clients) hop.client.end();
		throw error;
	}
	const client = clients.pop();
	if (!client) throw new TransportError('no SSH host to connect to');
	const keepalive = `${settings.keepaliveCountMax} × ${settings.keepaliveIntervalMs / 1000} s`;
	const connection = new SshConnection(client.client, clients.map((hop) => hop.client), keepalive);
	// Every hop is watched; the target's silence (or a jump host's, which carries it) loses the connection.
	for (const hop of [...clients, client]) watchLiveness(hop, settings, () => connection.silent());
	return connection;
}

/** A client and the stream it reads the host from (a TCP socket, or the previous hop's channel). */
interface Hop {
	readonly client: Client;
	readonly sock: Duplex;
}

/**
 * A host is alive while anything comes from it: a keepalive reply, output, a window adjust as it
 * takes an upload. ssh2's own keepalive counts only replies to its pings, which queue behind
 * whatever is being sent; a busy sshd draining a large upload answers them late and was given up
 * on while it was acknowledging data. ssh2 still sends the pings (so a quiet connection has
 * something to answer), but gives up only here: after `keepaliveCountMax` intervals of silence.
 * Exported for its test (test/ssh/ssh-keepalive.test.ts pins the count with fake timers).
 */
export function watchLiveness(
	hop: { readonly client: EventEmitter; readonly sock: EventEmitter },
	settings: Pick<ConnectSettings, 'keepaliveIntervalMs' | 'keepaliveCountMax'>,
	onSilent: () => void,
): void {
	let heard = false;
	let silentIntervals = 0;
	hop.sock.on('data', () => (heard = true));
	const timer = setInterval(() => {
		if (heard) {
			heard = false;
			silentIntervals = 0;
		} else if (++silentIntervals >= settings.keepaliveCountMax) {
			clearInterval(timer);
			onSilent();
		}
	}, settings.keepaliveIntervalMs);
	timer.unref();
	hop.client.once('close', () => clearInterval(timer));
}

function forward(through: Client, via: SshEndpoint, to: SshEndpoint): Promise<Duplex> {
	return new Promise((resolve, reject) => {
		through.forwardOut('127.0.0.1', 0, to.host, to.port, (error, stream) => {
			if (error) {
				const reason = error.message.replace(/^\(SSH\) Channel open failure: /, '');
				reject(new TransportError(`jump host ${via.name} cannot reach ${to.host}:${to.port} (${reason.toLowerCase()})`));
			} else resolve(stream);
		});
	});
}

function connectEndpoint(endpoint: SshEndpoint, settings: ConnectSettings, through: Duplex | undefined, prefix: string): Promise<Hop> {
	const hostKeys = prepareHostKeyCheck(endpoint.host, endpoint.port, {
		knownHostsFiles: settings.knownHostsFile ? [settings.knownHostsFile] : endpoint.knownHostsFiles,
		acceptNew: settings.acceptNewHostKeys,
		onNotice: settings.onNotice,
	});
	const auth = planAuth(endpoint, { home: settings.home, agentSocket: settings.agentSocket });
	const address = `${endpoint.host}:${endpoint.port}`;
	return new Promise((resolve, reject) => {
		const client = new Client();
		// Our own socket (ssh2 would make one): the liveness watch reads what arrives on it.
		const sock = through ?? new Socket();
		const fail = (message: string) => {
			client.removeAllListeners('ready');
			client.end();
			if (!through) sock.destroy();
			reject(new TransportError(`${prefix}${message}`));
		};
		client.once('ready', () => {
			client.removeAllListeners('error');
			client.removeAllListeners('close');
			// From here errors only precede a 'close', which SshConnection reports; an
			// 'error' with no listener would crash the process.
			client.on('error', () => {});
			// Requests are small and answered at once (a cancel, the next script after an end): Nagle's
			// wait for the previous segment's delayed ACK would add ~40 ms to each.
			client.setNoDelay(true);
			resolve({ client, sock });
		});
		client.on('error', (error: Error & { level?: string; code?: string }) => {
			if (hostKeys.refusal) return fail(hostKeys.refusal);
			if (error.level === 'client-authentication') return fail(describeAuthFailure(endpoint, auth));
			if (error.code === 'ECONNREFUSED') return fail(`connection refused (${address})`);
			if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return fail(`cannot resolve host name ${endpoint.host}`);
			if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') return fail(`host unreachable (${address})`);
			if (error.level === 'client-timeout' || error.code === 'ETIMEDOUT')
				return fail(`timed out connecting to ${address} (no SSH handshake within ${settings.readyTimeoutMs / 1000} s)`);
			if (error.code === 'ECONNRESET') return fail(`connection reset during handshake (${address})`);
			return fail(`cannot connect to ${address}: ${error.message}`);
		});
		// A handshake that ends without 'ready' or 'error' (e.g. the server hangs up).
		client.on('close', () => fail(`connection closed during handshake (${address})`));
		const abandon = () => fail(`connection to ${address} abandoned`);
		if (settings.signal?.aborted) return abandon();
		settings.signal?.addEventListener('abort', abandon, { once: true });
		client.once('ready', () => settings.signal?.removeEventListener('abort', abandon));
		try {
			// Connecting already (not connected) when handed over: ssh2 then waits for it and reports its errors.
			if (sock instanceof Socket) sock.connect({ host: endpoint.host, port: endpoint.port });
			client.connect({
				host: endpoint.host,
				port: endpoint.port,
				sock,
				username: endpoint.user,
				readyTimeout: settings.readyTimeoutMs,
				// Pings only: giving up is watchLiveness's decision.
				keepaliveInterval: settings.keepaliveIntervalMs,
				keepaliveCountMax: Number.MAX_SAFE_INTEGER,
				hostVerifier: (key: Buffer) => hostKeys.verify(key),
				algorithms: { serverHostKey: hostKeys.algorithms },
				authHandler: auth.methods,
			});
		} catch (error) {
			fail(`cannot connect to ${address}: ${(error as Error).message}`);
		}
	});
}
