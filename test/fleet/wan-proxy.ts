import { writeFileSync, renameSync } from 'node:fs';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/**
 * A shaping TCP proxy in front of each fleet host: what a real network between the operator
 * and the hosts adds to every deploy, on loopback. Each direction of each connection is
 * delayed by half the round trip (order kept), each host's link and the operator's own link
 * pass a fixed number of bytes per millisecond (a chunk occupies a link for size / rate, in
 * arrival order: a token bucket without burst), and a new connection costs the TCP handshake's
 * round trip before the client's first byte can leave. Bytes are counted each way per host.
 */

export interface WanShape {
	/** Round trip between the operator and every host, ms: half of it each way. */
	readonly rttMs: number;
	/** Each host's link, Mbit/s in each direction, shared by that host's connections. Unlimited when absent. */
	readonly mbit?: number;
	/** The operator's link, Mbit/s in each direction, shared by every host. Unlimited when absent. */
	readonly uplinkMbit?: number;
}

export interface WanCounters {
	/** Bytes the operator's side sent towards the host (everything that entered the proxy from clients). */
	toHost: number;
	/** Bytes the host sent back. */
	fromHost: number;
	/** TCP connections opened to the host. */
	connections: number;
}

export interface WanUpstream {
	readonly name: string;
	/** The real server (sshd) on 127.0.0.1. */
	readonly port: number;
}

export interface WanProxy {
	readonly shape: WanShape;
	/** The port clients use instead of the upstream's. */
	port(name: string): number;
	/** With `options.store`: the operator's way to the store. */
	storePort(): number;
	/** With `options.store`: a host's way to the store. */
	hostStorePort(name: string): number;
	/** A copy of every host's counters so far. */
	counters(): Record<string, WanCounters>;
	/** Counters back to zero (e.g. between a first deploy and a re-deploy). */
	reset(): void;
	/** Writes counters() to the file given at start (the detached proxy does this on its own). */
	saveCounters(): void;
	/** Stops listening and drops every connection. */
	close(): Promise<void>;
}

/** Mbit/s (10^6 bits) as bytes per millisecond. */
export const bytesPerMs = (mbit: number): number => (mbit * 1_000_000) / 8 / 1000;

/**
 * A serial line: each chunk occupies it for size / rate, after the chunks that reached it
 * first. Returns when a chunk that reaches the line at `at` has left it.
 */
export class Link {
	private busyUntil = 0;

	constructor(readonly bytesPerMs: number) {}

	pass(at: number, bytes: number): number {
		const start = Math.max(at, this.busyUntil);
		this.busyUntil = start + bytes / this.bytesPerMs;
		return this.busyUntil;
	}
}

/**
 * When a chunk received at `now` reaches the far side: through every link in turn
 * (store and forward), then the one-way delay; never before `notBefore` (a connection's
 * handshake) nor before the chunk received ahead of it (order is kept).
 */
export function arrivalTime(now: number, bytes: number, path: { readonly links: readonly Link[]; readonly oneWayMs: number; readonly notBefore: number; readonly previous: number }): number {
	let at = Math.max(now, path.notBefore);
	for (const link of path.links) at = link.pass(at, bytes);
	return Math.max(at + path.oneWayMs, path.previous);
}

/** One direction of one connection: a delay line that writes each chunk to `sink` when it is due. */
class Pipe {
	private readonly queue: { at: number; chunk: Buffer | null }[] = [];
	private queuedBytes = 0;
	private last = 0;
	private timer: NodeJS.Timeout | undefined;
	private sinkReady: boolean;
	private closed = false;

	constructor(
		private readonly source: Socket,
		private readonly sink: Socket,
		private readonly links: readonly Link[],
		private readonly oneWayMs: number,
		private readonly notBefore: number,
		/** Bytes held (queued or unwritten at the sink) before the source is paused: the bottleneck's buffer plus what is in flight. */
		private readonly highWater: number,
		sinkReady: boolean,
	) {
		this.sinkReady = sinkReady;
		sink.on('drain', () => this.relieve());
	}

	push(chunk: Buffer): void {
		this.queuedBytes += chunk.length;
		this.enqueue(arrivalTime(performance.now(), chunk.length, { links: this.links, oneWayMs: this.oneWayMs, notBefore: this.notBefore, previous: this.last }), chunk);
		if (this.queuedBytes + this.sink.writableLength > this.highWater) this.source.pause();
	}

	/** The source said FIN: the sink gets it after everything sent before it. */
	end(): void {
		this.enqueue(Math.max(performance.now() + this.oneWayMs, this.last), null);
	}

	/** The sink connected (a host's connection opens half a round trip after the client's). */
	ready(): void {
		this.sinkReady = true;
		this.flush();
	}

	stop(): void {
		this.closed = true;
		clearTimeout(this.timer);
		this.queue.length = 0;
	}

	private enqueue(at: number, chunk: Buffer | null): void {
		this.last = at;
		this.queue.push({ at, chunk });
		this.flush();
	}

	private flush(): void {
		if (this.closed || !this.sinkReady) return;
		clearTimeout(this.timer);
		this.timer = undefined;
		const now = performance.now();
		while (this.queue.length > 0 && this.queue[0]!.at <= now) {
			const { chunk } = this.queue.shift()!;
			if (chunk === null) {
				this.sink.end();
				continue;
			}
			this.queuedBytes -= chunk.length;
			if (!this.sink.destroyed) this.sink.write(chunk);
		}
		this.relieve();
		const head = this.queue[0];
		// Timers take whole milliseconds; a chunk due in 0.3 ms waits 1.
		if (head) this.timer = setTimeout(() => this.flush(), Math.max(1, Math.ceil(head.at - now)));
	}

	private relieve(): void {
		if (this.source.isPaused() && this.queuedBytes + this.sink.writableLength <= this.highWater / 2) this.source.resume();
	}
}

export interface WanProxyOptions {
	/** saveCounters() writes here. */
	readonly countersFile?: string;
	/**
	 * An object store on 127.0.0.1 (its port): reached by the operator through the operator's
	 * link (`storePort`, counted as `store`), and by each host through that host's own link,
	 * shared with its SSH traffic (`hostStorePort(name)`, counted as `<name>@store`) — the store is
	 * not behind the operator's uplink.
	 */
	readonly store?: { readonly port: number };
}

export async function startWanProxy(shape: WanShape, upstreams: readonly WanUpstream[], options: WanProxyOptions = {}): Promise<WanProxy> {
	if (!(shape.rttMs >= 0)) throw new Error(`rtt must be ≥ 0 ms (got ${shape.rttMs})`);
	for (const [key, value] of [['mbit', shape.mbit], ['uplink mbit', shape.uplinkMbit]] as const) {
		if (value !== undefined && !(value > 0)) throw new Error(`${key} must be > 0 (got ${value})`);
	}
	const oneWayMs = shape.rttMs / 2;
	const operatorUp = shape.uplinkMbit === undefined ? undefined : new Link(bytesPerMs(shape.uplinkMbit));
	const operatorDown = shape.uplinkMbit === undefined ? undefined : new Link(bytesPerMs(shape.uplinkMbit));
	// What may be in flight per direction before the source feels back-pressure: twice the
	// bandwidth-delay product of the host's link, at least 1 MB; 8 MB when the link is unlimited.
	const highWater = shape.mbit === undefined ? 8 << 20 : Math.max(1 << 20, 2 * bytesPerMs(shape.mbit) * Math.max(shape.rttMs, 1));

	const counters = new Map<string, WanCounters>();
	const servers = new Map<string, Server>();
	/** How to drop each open connection pair at once. */
	const open = new Set<() => void>();

	/** Each host's link, both ways: its SSH connections and its downloads from the store share it. */
	const hostLinks = new Map(upstreams.map((upstream) => [upstream.name, { up: shape.mbit === undefined ? undefined : new Link(bytesPerMs(shape.mbit)), down: shape.mbit === undefined ? undefined : new Link(bytesPerMs(shape.mbit)) }]));
	const present = <T>(items: (T | undefined)[]): T[] => items.filter((item): item is T => item !== undefined);

	/** A listener whose connections go to `port` through `up` and `down` links, counted under `name`. */
	const listen = (name: string, port: number, up: readonly Link[], down: readonly Link[]): Promise<Server> => {
		const count = { toHost: 0, fromHost: 0, connections: 0 };
		counters.set(name, count);
		const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
			const opened = performance.now();
			count.connections += 1;
			const host = new Socket({ allowHalfOpen: true });
			host.setNoDelay(true);
			// The client's first byte leaves once its handshake is done: one round trip after it began.
			const upPipe = new Pipe(client, host, up, oneWayMs, opened + shape.rttMs, highWater, false);
			const downPipe = new Pipe(host, client, down, oneWayMs, opened, highWater, true);
			let connectTimer: NodeJS.Timeout | undefined;
			const drop = () => {
				clearTimeout(connectTimer);
				upPipe.stop();
				downPipe.stop();
				client.destroy();
				host.destroy();
				open.delete(drop);
			};
			open.add(drop);
			client.on('data', (chunk: Buffer) => {
				count.toHost += chunk.length;
				upPipe.push(chunk);
			});
			host.on('data', (chunk: Buffer) => {
				count.fromHost += chunk.length;
				downPipe.push(chunk);
			});
			client.on('end', () => upPipe.end());
			host.on('end', () => downPipe.end());
			// A socket closes by itself once FINs went both ways (its pipes are empty by then); an
			// error or reset on either side drops the pair at once.
			client.on('error', drop);
			host.on('error', drop);
			let closed = 0;
			const closedOne = () => {
				if (++closed === 2) open.delete(drop);
			};
			client.once('close', closedOne);
			host.once('close', closedOne);
			// The SYN reaches the host half a round trip later (a client gone by then never reaches it).
			connectTimer = setTimeout(() => {
				connectTimer = undefined;
				host.connect(port, '127.0.0.1', () => upPipe.ready());
			}, oneWayMs);
			client.once('close', () => {
				if (connectTimer !== undefined) drop();
			});
		});
		return new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => resolve(server));
		});
	};

	try {
		for (const upstream of upstreams) {
			const links = hostLinks.get(upstream.name)!;
			servers.set(upstream.name, await listen(upstream.name, upstream.port, present([operatorUp, links.up]), present([links.down, operatorDown])));
			if (options.store) servers.set(`${upstream.name}@store`, await listen(`${upstream.name}@store`, options.store.port, present([links.up]), present([links.down])));
		}
		if (options.store) servers.set('store', await listen('store', options.store.port, present([operatorUp]), present([operatorDown])));
	} catch (error) {
		for (const server of servers.values()) server.close();
		throw error;
	}

	const portOf = (name: string): number => {
		const server = servers.get(name);
		if (!server) throw new Error(`no WAN proxy for ${name}`);
		return (server.address() as AddressInfo).port;
	};
	const snapshot = () => Object.fromEntries([...counters].map(([name, count]) => [name, { ...count }]));
	return {
		shape,
		port(name) {
			const server = servers.get(name);
			if (!server) throw new Error(`no WAN proxy for ${name}`);
			return (server.address() as AddressInfo).port;
		},
		storePort: () => portOf('store'),
		hostStorePort: (name) => portOf(`${name}@store`),
		counters: snapshot,
		reset() {
			for (const count of counters.values()) Object.assign(count, { toHost: 0, fromHost: 0, connections: 0 });
		},
		saveCounters() {
			if (!options.countersFile) return;
			// Write then rename: a reader never sees half a file.
			writeFileSync(`${options.countersFile}.tmp`, JSON.stringify(snapshot(), null, 2));
			renameSync(`${options.countersFile}.tmp`, options.countersFile);
		},
		async close() {
			for (const drop of [...open]) drop();
			await Promise.all([...servers.values()].map((server) => new Promise((done) => server.close(done))));
		},
	};
}
