import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port nobody listens on, for a test server (sshd, a demo service) that binds it a moment
 * later. Taken below the kernel's ephemeral range: a port the kernel hands out (bind to 0,
 * every outgoing connection of the parallel test files) could be taken again by an outgoing
 * connection before our server binds it. Never the same port twice in one process.
 */
export async function freePort(): Promise<number> {
	const [low] = ephemeralRange();
	const top = Math.min(low, 65536) - 1;
	const bottom = Math.max(1024, top - 15_000);
	for (let attempt = 0; attempt < 200; attempt++) {
		const port = bottom + Math.floor(Math.random() * (top - bottom));
		if (handedOut.has(port)) continue;
		if (await canListen(port)) {
			handedOut.add(port);
			return port;
		}
	}
	throw new Error(`no free port between ${bottom} and ${top}`);
}

const handedOut = new Set<number>();

function ephemeralRange(): [number, number] {
	try {
		const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
		if (low && high) return [low, high];
	} catch {
		// Not Linux: the IANA dynamic range.
	}
	return [49152, 65535];
}

function canListen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}
