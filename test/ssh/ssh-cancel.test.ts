import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SshTransport, type SshTransportOptions } from '../../source/transport/ssh.js';
import { cancelAnswerMs } from '../../source/transport/transport.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { fleetTransport } from './fleet-transport.js';
import { processesWithArgv, uniqueSleep } from '../support/processes.js';
import { startBystander, startLoad } from './host-processes.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Cancelling ends the command on the host, whatever it printed and however early the cancel
 * came; the sshd is on this machine, so "on the host" is checked in /proc here.
 */
const paths: readonly [string, Partial<SshTransportOptions>][] = [
	['persistent shell', {}],
	['exec channel of its own', { persistentShell: false }],
];

describe.runIf(requireSshd('ssh cancel'))('cancelling a remote command, against a real sshd', () => {
	let fleet: Fleet;
	const open: SshTransport[] = [];
	const transport = (options: Partial<SshTransportOptions>) => {
		const made = fleetTransport(fleet, 'cancel-1', options);
		open.push(made);
		return made;
	};

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'cancel-1' }] });
	});
	afterAll(async () => {
		await Promise.all(open.map((made) => made.close()));
		await fleet?.stop();
	});

	test.each(paths)('%s: a script that prints the process-group line cannot choose what gets killed', async (_, options) => {
		const ssh = transport(options);
		const bystander = startBystander();
		try {
			const sleep = uniqueSleep();
			const fake = `\\036switchyard-pgid ${bystander.pid}`;
			const controller = new AbortController();
			const result = await ssh.exec(`printf '${fake}\\n'; printf '${fake}\\n' >&2; echo started; ${sleep.command}`, {
				signal: controller.signal,
				onLine: (line) => line === 'started' && controller.abort(),
			});
			expect(result).toMatchObject({ code: null, failure: 'cancelled' });
			await waitFor(() => processesWithArgv(sleep.argv).length === 0, "the cancelled script's sleep to end");
			// Whatever the cancel sent to the host has been acted on once the next command answers.
			expect((await ssh.exec('echo next')).stdout).toBe('next\n');
			expect(bystander.running()).toBe(true);
			// The line was the script's output like any other.
			expect(result.stdout).toContain(`\u001eswitchyard-pgid ${bystander.pid}`);
		} finally {
			bystander.stop();
		}
	});

	test.each(paths)('%s: aborted at any moment, even before the host has started it, nothing it started survives (busy host)', async (_, options) => {
		const ssh = transport(options);
		const load = startLoad();
		// Moments from "before anything was sent" to "the script is running": the cancel must not
		// depend on which one it is.
		const moments: readonly [string, (abort: () => void) => void][] = [
			['at once', (abort) => abort()],
			['next microtask', (abort) => queueMicrotask(abort)],
			['next turn', (abort) => setImmediate(abort)],
			...[1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144].map((ms): [string, (abort: () => void) => void] => [`after ${ms} ms`, (abort) => setTimeout(abort, ms)]),
			['on its first line', () => {}],
		];
		const sleeps: ReturnType<typeof uniqueSleep>[] = [];
		try {
			for (const [moment, schedule] of moments) {
				const sleep = uniqueSleep();
				sleeps.push(sleep);
				const controller = new AbortController();
				const running = ssh.exec(`echo started; ${sleep.command}; echo never`, {
					signal: controller.signal,
					onLine: (line) => line === 'started' && controller.abort(),
				});
				const abort = timedAbort(controller);
				schedule(abort.now);
				const result = await withDeadline(running, abort.deadline, moment);
				expect(result.failure, moment).toMatch(/^cancelled/);
				expect(result.stdout, moment).not.toContain('never');
			}
			// As the engine does at the end of a run: nothing may depend on the connection staying up.
			await ssh.close();
			for (const sleep of sleeps) await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be gone from the host`);
		} finally {
			load.stop();
			for (const sleep of sleeps) for (const pid of processesWithArgv(sleep.argv)) process.kill(pid, 'SIGKILL');
		}
	});

	test.each(paths)('%s: what ignores TERM is killed after the grace period, and exec answers within its bound', async (_, options) => {
		const ssh = transport(options);
		const sleep = uniqueSleep();
		const controller = new AbortController();
		const abort = timedAbort(controller);
		const running = ssh.exec(`trap '' TERM; echo started; ${sleep.command}`, {
			signal: controller.signal,
			onLine: (line) => line === 'started' && abort.now(),
		});
		const result = await withDeadline(running, abort.deadline, 'TERM ignored');
		expect(result).toMatchObject({ code: null, signal: 'SIGKILL', failure: 'cancelled' });
		await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} (TERM ignored) to be killed`);
	});

	test.each(paths)('%s: a script that stops reading a large stdin cannot make a cancel hang', async (_, options) => {
		const ssh = transport(options);
		const sleep = uniqueSleep();
		const controller = new AbortController();
		const abort = timedAbort(controller);
		// The upload fills every buffer on the way; the cancel request queues behind it.
		const running = ssh.exec(`echo started; ${sleep.command}`, {
			stdin: Readable.from((function* () {
				for (let i = 0; i < 64; i++) yield Buffer.alloc(256 * 1024, 120);
			})()),
			signal: controller.signal,
			onLine: (line) => line === 'started' && abort.now(),
		});
		const result = await withDeadline(running, abort.deadline, 'a stuck upload');
		expect(result.code).toBeNull();
		expect(result.failure).toMatch(/^cancelled/);
		await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be stopped on the host`);
		// The connection is still good for the next command.
		expect((await ssh.exec('echo next')).stdout).toBe('next\n');
	});
});

describe('cancelling while the connection is still being made', () => {
	test('answers at once, not after the handshake timeout', async () => {
		// Accepts the TCP connection and never says a word: a handshake that hangs.
		const sockets: Socket[] = [];
		const silent = createServer((socket) => void sockets.push(socket));
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		const port = (silent.address() as AddressInfo).port;
		const ssh = new SshTransport({ target: `nobody@127.0.0.1:${port}`, agentSocket: '', home: '/nonexistent', connectTimeoutMs: 60_000 });
		try {
			const controller = new AbortController();
			const running = ssh.exec('true', { signal: controller.signal });
			await waitFor(() => sockets.length > 0, 'the connection attempt to arrive');
			controller.abort();
			const result = await withDeadline(running, () => Date.now() + 50_000, 'aborted during the handshake');
			expect(result).toMatchObject({ code: null, failure: 'cancelled' });
		} finally {
			await ssh.close();
			for (const socket of sockets) socket.destroy();
			silent.close();
		}
	});
});

/** Aborts and remembers when: an exec must answer within its bound of that moment, not of the test's start. */
function timedAbort(controller: AbortController): { now(): void; deadline(): number } {
	let abortedAt = 0;
	return {
		now() {
			abortedAt = Date.now();
			controller.abort();
		},
		deadline: () => (abortedAt ? abortedAt + cancelAnswerMs + 10_000 : Date.now() + 60_000),
	};
}

/** The exec's answer, or a failure once `deadline()` (re-read as time passes) is past. */
async function withDeadline<T>(running: Promise<T>, deadline: () => number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, reject) => {
		const check = () => {
			if (Date.now() > deadline()) reject(new Error(`${what}: exec did not answer within its bound after the abort`));
			else timer = setTimeout(check, 50);
		};
		check();
	});
	try {
		return await Promise.race([running, late]);
	} finally {
		clearTimeout(timer);
	}
}
