import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SshTransport } from '../../source/transport/ssh.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { fleetTransport } from './fleet-transport.js';

/**
 * ssh2 handles every packet of one TCP read in one go. When the exec's success, the output, the
 * exit-status and the close all arrive together (a fast command, a busy client: 30 hosts at
 * once on a host with a lean login shell), the exit-status is emitted before the transport's
 * await on the channel has resumed; it must not be lost ("the command ended without an exit status").
 */
describe.runIf(requireSshd('ssh exit status race'))('exit status of a command that ends while the client is busy', () => {
	let fleet: Fleet;
	let ssh: SshTransport;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: 1 });
		ssh = fleetTransport(fleet, 'fleet-1');
		await ssh.connect();
	});
	afterAll(async () => {
		await ssh?.close();
		await fleet?.stop();
	});

	test('is kept when everything arrives in one read', async () => {
		const results: (number | null)[] = [];
		for (let attempt = 0; attempt < 12; attempt++) {
			const pending = ssh.exec('exit 7');
			// Let the channel open and the exec request go out, then keep the event loop busy
			// until the command has long finished, so its packets queue up in the socket.
			await new Promise((resolve) => setTimeout(resolve, attempt % 4));
			const until = Date.now() + 600;
			while (Date.now() < until) {
				// busy
			}
			const result = await pending;
			results.push(result.code);
		}
		expect(results).toEqual(Array.from({ length: 12 }, () => 7));
	});
});
