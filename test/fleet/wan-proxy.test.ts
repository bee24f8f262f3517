import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { startFleet, type Fleet } from './fleet.js';
import { requireSshd } from './require-sshd.js';
import { arrivalTime, bytesPerMs, Link, startWanProxy, type WanProxy } from './wan-proxy.js';

describe('WAN timing model', () => {
	const path = (links: Link[], previous = 0, notBefore = 0) => ({ links, oneWayMs: 20, notBefore, previous });

	it('delays a chunk by half the round trip when no link limits it', () => {
		expect(arrivalTime(100, 5_000_000, path([]))).toBe(120);
	});

	it('serializes chunks on a link one after another, in arrival order', () => {
		const link = new Link(bytesPerMs(8)); // 1000 bytes per ms
		expect(arrivalTime(0, 1000, path([link]))).toBe(21);
		expect(arrivalTime(0, 1000, path([link]))).toBe(22);
		expect(arrivalTime(0, 500, path([link]))).toBe(22.5);
		// An idle link starts a new chunk when it arrives.
		expect(arrivalTime(50, 1000, path([link]))).toBe(71);
	});

	it('shares the operator link between hosts: two hosts at full rate take twice as long', () => {
		const uplink = new Link(1000);
		const [hostA, hostB] = [new Link(1000), new Link(1000)];
		const last = { a: 0, b: 0 };
		for (let chunk = 0; chunk < 10; chunk++) {
			last.a = arrivalTime(0, 1000, path([uplink, hostA], last.a));
			last.b = arrivalTime(0, 1000, path([uplink, hostB], last.b));
		}
		// 20 000 bytes through a 1000 bytes/ms uplink, the last chunk one more ms on its host link, then 20 ms away.
		expect(Math.max(last.a, last.b)).toBe(20 + 1 + 20);
		expect(Math.min(last.a, last.b)).toBe(19 + 1 + 20);
	});

	it('never delivers a chunk before the one received ahead of it, nor before the handshake is done', () => {
		expect(arrivalTime(0, 10, path([], 500))).toBe(500);
		expect(arrivalTime(0, 10, path([], 0, 40))).toBe(60);
	});
});

describe('WAN proxy on real sockets', () => {
	const closers: (() => Promise<unknown>)[] = [];
	afterEach(async () => {
		for (const close of closers.splice(0)) await close();
	});

	async function echoServer(): Promise<{ server: Server; port: number; received: () => number }> {
		let received = 0;
		const server = createServer({ allowHalfOpen: true }, (socket) => {
			socket.on('data', (chunk: Buffer) => (received += chunk.length));
			socket.pipe(socket);
		});
		await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
		closers.push(() => new Promise((done) => server.close(done)));
		return { server, port: (server.address() as AddressInfo).port, received: () => received };
	}

	async function proxyFor(port: number, shape: Parameters<typeof startWanProxy>[0]): Promise<WanProxy> {
		const proxy = await startWanProxy(shape, [{ name: 'echo', port }]);
		closers.unshift(() => proxy.close());
		return proxy;
	}

	/** Sends `chunks` one by one, ends, and resolves with everything echoed back once the far side ends too. */
	function exchange(port: number, chunks: Buffer[]): Promise<{ echoed: Buffer; ms: number }> {
		return new Promise((resolve, reject) => {
			const started = performance.now();
			const parts: Buffer[] = [];
			const socket = createConnection({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
				for (const chunk of chunks) socket.write(chunk);
				socket.end();
			});
			socket.on('data', (chunk: Buffer) => parts.push(chunk));
			socket.on('end', () => resolve({ echoed: Buffer.concat(parts), ms: performance.now() - started }));
			socket.on('error', reject);
		});
	}

	it('passes every byte both ways in order, counts them per host, and delays them by the round trip and the link rate', async () => {
		const echo = await echoServer();
		const proxy = await proxyFor(echo.port, { rttMs: 40, mbit: 8 });
		// 200 chunks of 1 kB, each starting with its sequence number: order shows in the bytes.
		const chunks = Array.from({ length: 200 }, (_, index) => Buffer.concat([Buffer.from(`${String(index).padStart(6, '0')}:`), randomBytes(1000 - 7)]));
		const sent = Buffer.concat(chunks);

		const { echoed, ms } = await exchange(proxy.port('echo'), chunks);

		expect(echoed.length).toBe(sent.length);
		expect(echoed.equals(sent)).toBe(true);
		expect(echo.received()).toBe(sent.length);
		expect(proxy.counters()).toEqual({ echo: { toHost: sent.length, fromHost: sent.length, connections: 1 } });
		// A lower bound only (a busy machine can only add to it): the handshake's round trip, then
		// 200 kB at 1000 bytes/ms up, then the last chunk's trip there and back.
		expect(ms).toBeGreaterThanOrEqual(40 + 200 + 40 - 2);

		proxy.reset();
		expect(proxy.counters().echo).toEqual({ toHost: 0, fromHost: 0, connections: 0 });
	});

	it('adds only the round trip when no rate is set', async () => {
		const echo = await echoServer();
		const proxy = await proxyFor(echo.port, { rttMs: 60 });
		const { echoed, ms } = await exchange(proxy.port('echo'), [Buffer.from('ping')]);
		expect(echoed.toString()).toBe('ping');
		// Handshake round trip, then the ping's.
		expect(ms).toBeGreaterThanOrEqual(120 - 2);
	});

	it('closes the client connection when nothing listens behind the proxy', async () => {
		const echo = await echoServer();
		const proxy = await proxyFor(echo.port, { rttMs: 10 });
		await new Promise((done) => echo.server.close(done));
		const socket = createConnection({ port: proxy.port('echo'), host: '127.0.0.1' }, () => socket.write('hello'));
		socket.on('error', () => undefined);
		await waitFor(() => socket.destroyed, 'the proxy to close the client connection', 10_000);
		expect(proxy.counters().echo).toMatchObject({ toHost: 5, connections: 1 });
	});

	it('rejects a shape that makes no sense', async () => {
		await expect(startWanProxy({ rttMs: -1 }, [])).rejects.toThrow(/rtt/);
		await expect(startWanProxy({ rttMs: 10, mbit: 0 }, [])).rejects.toThrow(/mbit/);
	});
});

describe.runIf(requireSshd('WAN fleet'))('a fleet behind the WAN proxy', () => {
	let fleet: Fleet | undefined;
	afterAll(async () => {
		await fleet?.stop();
	});

	it('points ssh_config and known_hosts at the proxy ports, and counts an ssh session', async () => {
		fleet = await startFleet({ hosts: 2, wan: { rttMs: 10, mbit: 100, uplinkMbit: 1000 } });
		const host = fleet.host('fleet-2');
		expect(host.port).not.toBe(host.sshdPort);
		expect(readFileSync(fleet.sshConfigFile, 'utf8')).toContain(`Host fleet-2\n  HostName 127.0.0.1\n  Port ${host.port}\n`);
		expect(readFileSync(fleet.knownHostsFile, 'utf8')).toContain(`[127.0.0.1]:${host.port} ssh-ed25519 `);
		expect(host.target).toBe(`${host.user}@127.0.0.1:${host.port}`);

		const payload = randomBytes(300_000);
		// Not execFileSync: the proxy runs in this process and must keep serving while ssh runs.
		const out = await execa('ssh', ['-F', fleet.sshConfigFile, '-o', 'BatchMode=yes', 'fleet-2', 'wc -c'], { input: payload, env: { SSH_AUTH_SOCK: '' } });
		expect(out.stdout.trim()).toBe('300000');
		const counters = fleet.wan!.counters();
		expect(counters['fleet-1']).toEqual({ toHost: 0, fromHost: 0, connections: 0 });
		expect(counters['fleet-2']!.connections).toBe(1);
		// The payload plus SSH's framing and handshake; nothing was sent twice.
		expect(counters['fleet-2']!.toHost).toBeGreaterThan(300_000);
		expect(counters['fleet-2']!.toHost).toBeLessThan(300_000 + 20_000);
		expect(counters['fleet-2']!.fromHost).toBeLessThan(20_000);
	});
});
