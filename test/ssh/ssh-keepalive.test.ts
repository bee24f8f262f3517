import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { watchLiveness } from '../../source/transport/ssh-connect.js';
import type { SshTransportOptions } from '../../source/transport/ssh.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { fleetTransport } from './fleet-transport.js';
import { startSlowLink } from './slow-link.js';

/**
 * A host that is slow to take an upload is alive; only one that answers nothing is lost. The
 * upload is what tar produces for many small files (a 512-byte header per file), read on the
 * host 64 KB at a time with pauses, under a keepalive of 3 × 0.2 s.
 */
const paths: readonly [string, Partial<SshTransportOptions>][] = [
	['persistent shell', {}],
	['exec channel of its own', { persistentShell: false }],
];
const keepalive = { keepaliveIntervalMs: 200, keepaliveCountMax: 3 };

describe.runIf(requireSshd('ssh keepalive'))('keepalive during slow uploads, against a real sshd', () => {
	let fleet: Fleet;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'slow-1' }, { name: 'hung-1' }] });
	});
	afterAll(async () => {
		fleet?.resume('hung-1');
		await fleet?.stop();
	});

	test.each(paths)('%s: an upload in small pieces to a host that reads it slowly completes', async (_, options) => {
		const ssh = fleetTransport(fleet, 'slow-1', { ...options, ...keepalive });
		try {
			const total = 3 * 1024 * 1024;
			const blocks = total / 65536;
			const result = await ssh.exec(`n=0; while [ $n -lt ${blocks} ]; do head -c 65536 >/dev/null || exit 9; sleep 0.05; n=$((n+1)); done; echo read all`, {
				stdin: smallPieces(total, 512),
			});
			expect(result).toMatchObject({ code: 0, stdout: 'read all\n' });
		} finally {
			await ssh.close();
		}
	});

	test.each(paths)('%s: an upload that queues up in front of a slow link is not taken for a dead host', async (_, options) => {
		const host = fleet.host('slow-1');
		// 512 KB/s: a keepalive sent behind 2 MB of upload waits 4 s for its turn, longer than
		// 3 × 0.4 s; meanwhile the host acknowledges what arrives several times a second.
		const link = await startSlowLink({ host: '127.0.0.1', port: host.port }, 512 * 1024);
		const configFile = join(fleet.dir, `slow-link-${link.port}.config`);
		const knownHosts = join(fleet.dir, `slow-link-${link.port}.known_hosts`);
		writeFileSync(knownHosts, fleet.knownHostsLines('slow-1').map((line) => line.replace(`:${host.port} `, `:${link.port} `)).join('\n') + '\n');
		writeFileSync(configFile, `Host slow-link\n  HostName 127.0.0.1\n  Port ${link.port}\n  User ${host.user}\n  IdentityFile ${fleet.userKeyFile}\n  UserKnownHostsFile ${knownHosts}\n`);
		const ssh = fleetTransport(fleet, 'slow-link', { ...options, keepaliveIntervalMs: 400, keepaliveCountMax: 3, configFile });
		try {
			const result = await ssh.exec('wc -c', { stdin: smallPieces(2 * 1024 * 1024, 65536) });
			expect(result, result.failure).toMatchObject({ code: 0, stdout: `${2 * 1024 * 1024}\n` });
		} finally {
			await ssh.close();
			await link.close();
		}
	});

	test.each(paths)('%s: a host that stops answering mid-upload is still given up on', async (_, options) => {
		const ssh = fleetTransport(fleet, 'hung-1', { ...options, ...keepalive });
		try {
			const result = await ssh.exec('echo started; head -c 65536 >/dev/null; cat >/dev/null', {
				stdin: smallPieces(64 * 1024 * 1024, 512),
				onLine: (line) => line === 'started' && fleet.pause('hung-1'),
			});
			expect(result).toMatchObject({ code: null, failure: 'connection lost: no answer to keepalives (3 × 0.2 s)' });
		} finally {
			fleet.resume('hung-1');
			await ssh.close();
		}
	});
});

/** The count itself, on a fake clock: `keepaliveCountMax` silent intervals and no more. */
describe('how long a silent host is waited for', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	function watched() {
		vi.useFakeTimers();
		const hop = { client: new EventEmitter(), sock: new EventEmitter() };
		const onSilent = vi.fn();
		watchLiveness(hop, { keepaliveIntervalMs: 1000, keepaliveCountMax: 3 }, onSilent);
		return { hop, onSilent };
	}

	test('given up on at the third silent interval, not the fourth', () => {
		const { onSilent } = watched();
		vi.advanceTimersByTime(2999);
		expect(onSilent).not.toHaveBeenCalled();
		vi.advanceTimersByTime(1);
		expect(onSilent).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(10_000);
		expect(onSilent).toHaveBeenCalledTimes(1);
	});

	test('anything heard starts the count again', () => {
		const { hop, onSilent } = watched();
		vi.advanceTimersByTime(2500);
		hop.sock.emit('data', Buffer.from('x'));
		// The tick at 3 s sees what was heard; silence is counted from there.
		vi.advanceTimersByTime(3499);
		expect(onSilent).not.toHaveBeenCalled();
		vi.advanceTimersByTime(1);
		expect(onSilent).toHaveBeenCalledTimes(1);
	});

	test('a closed client is no longer watched', () => {
		const { hop, onSilent } = watched();
		hop.client.emit('close');
		vi.advanceTimersByTime(10_000);
		expect(onSilent).not.toHaveBeenCalled();
	});
});

/** `total` bytes as a stream of `size`-byte chunks, produced only as fast as they are taken. */
function smallPieces(total: number, size: number): Readable {
	let produced = 0;
	return new Readable({
		read() {
			for (let i = 0; i < 64 && produced < total; i++) {
				const length = Math.min(size, total - produced);
				produced += length;
				if (!this.push(Buffer.alloc(length, 97))) return;
			}
			if (produced >= total) this.push(null);
		},
	});
}
