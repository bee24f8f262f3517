import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay whose client-to-server direction carries at most `bytesPerSecond` (the operator's
 * uplink during an upload to many hosts); the other direction is not held back. Whatever the
 * client sends queues up in front of the link, as it does in a busy sshd's receive queue.
 */
export async function startSlowLink(target: { host: string; port: number }, bytesPerSecond: number): Promise<{ port: number; close(): Promise<void> }> {
	const sockets = new Set<Socket>();
	const server: Server = createServer((client) => {
		const upstream = connect(target.port, target.host);
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('error', () => {});
			socket.on('close', () => {
				sockets.delete(socket);
				client.destroy();
				upstream.destroy();
			});
		}
		upstream.pipe(client);
		client.on('data', (chunk: Buffer) => {
			upstream.write(chunk);
			client.pause();
			setTimeout(() => client.resume(), (chunk.length / bytesPerSecond) * 1000);
		});
		client.on('end', () => upstream.end());
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (typeof address !== 'object' || !address) throw new Error('the slow link has no port');
	return {
		port: address.port,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
