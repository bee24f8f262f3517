import type { ClientChannel } from 'ssh2';
import { abandonSupervisorScript } from './shell-protocol.js';
import type { SshConnection } from './ssh-connect.js';

/**
 * Exit statuses by channel, recorded from the moment the channel exists. ssh2 handles all the
 * packets of one TCP read in one go: a command that ends quickly (a host whose login shell
 * starts fast, a busy client) has its exit-status emitted in the same tick as the exec's
 * success, before anyone awaiting the channel could listen.
 */
const exits = new WeakMap<ClientChannel, { code: number | null; signal?: string }>();

/** An exec channel running `script` on the connection. */
export function openExecChannel(connection: SshConnection, script: string): Promise<ClientChannel> {
	return new Promise((resolve, reject) => {
		try {
			connection.client.exec(script, (error, channel) => {
				if (error) return reject(error);
				channel.on('exit', (code: number | null, signal?: string) => exits.set(channel, { code, signal }));
				resolve(channel);
			});
		} catch (error) {
			// ssh2 throws synchronously when the connection is no longer writable.
			reject(error);
		}
	});
}

/** How the channel's command exited, once the host has said so. */
export function exitOf(channel: ClientChannel): { code: number | null; signal?: string } | undefined {
	return exits.get(channel);
}

/** sshd's answer when MaxSessions is reached ("open failed"), as ssh2 reports it. */
export function isChannelRefusal(error: unknown): boolean {
	return error instanceof Error && /Channel open failure/i.test(error.message) && !/server closed channel unexpectedly/i.test(error.message);
}

/** Tells a supervisor that no longer reads its stdin to stop, from a second channel. */
export function abandonSupervisor(connection: SshConnection, pid: number): void {
	// Outside the channel queue on purpose: the default limit leaves sshd room for it.
	openExecChannel(connection, abandonSupervisorScript(pid)).then(
		(channel) => {
			channel.on('error', () => {});
			channel.resume();
			channel.stderr.resume();
			channel.end();
		},
		() => {},
	);
}
