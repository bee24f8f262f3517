import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalTransport } from '../../source/transport/local.js';
import { cancelAnswerMs } from '../../source/transport/transport.js';
import { repoRoot } from '../fleet/fleet.js';
import { dyingClients } from './dying-client-runner.js';
import { processesWithArgv, uniqueSleep } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Both ways a `local = true` host runs scripts: through one long-lived shell (the supervisor of
 * shell-protocol.ts, where setsid exists) and as a process each (elsewhere), with the same promises.
 */
const ways = [
	{ way: 'one long-lived shell', localShell: true },
	{ way: 'a process per script', localShell: false },
] as const;

/** A `local = true` host: cancelling ends everything the script started, not just its `sh`. */
describe.each(ways)('cancelling a local command ($way)', ({ localShell }) => {
	test('stops the whole process tree, children included', async () => {
		const local = new LocalTransport({ persistentShell: localShell });
		const sleep = uniqueSleep();
		const controller = new AbortController();
		const result = await local.exec(`echo started; ${sleep.command}; echo never`, {
			signal: controller.signal,
			onLine: (line) => line === 'started' && controller.abort(),
		});
		expect(result).toMatchObject({ code: null, failure: 'cancelled', stdout: 'started\n' });
		await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be stopped`);
	});

	test('a finished command leaves no listener on its signal (it would hold the command output until the signal fires)', async () => {
		const local = new LocalTransport({ persistentShell: localShell });
		const signal = AbortSignal.timeout(600_000);
		const result = await local.exec('echo done', { signal });
		expect(result.stdout).toBe('done\n');
		expect(getEventListeners(signal, 'abort')).toHaveLength(0);
	});

	test('a child that ignores TERM is killed after the grace period, and exec answers within its bound', async () => {
		const local = new LocalTransport({ persistentShell: localShell });
		const sleep = uniqueSleep();
		const controller = new AbortController();
		let abortedAt = 0;
		const result = await local.exec(`trap '' TERM; echo started; ${sleep.command}; echo never`, {
			signal: controller.signal,
			onLine: (line) => {
				if (line !== 'started') return;
				abortedAt = Date.now();
				controller.abort();
			},
		});
		const answeredAfter = Date.now() - abortedAt;
		expect(result).toMatchObject({ code: null, failure: 'cancelled' });
		await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} (TERM ignored) to be killed`);
		// A bound, not a speed: the generous margin only absorbs a busy machine.
		expect(answeredAfter).toBeLessThan(cancelAnswerMs + 10_000);
	});

	test('aborted before it starts, nothing runs', async () => {
		const local = new LocalTransport({ persistentShell: localShell });
		const controller = new AbortController();
		controller.abort();
		expect(await local.exec('echo ran', { signal: controller.signal })).toMatchObject({ code: null, failure: 'cancelled', stdout: '' });
	});
});

/** `kill -9` of the CLI with a local host: the same promises as an SSH host's supervisor makes. */
describe.each(ways)('a local client that dies without closing ($way)', ({ localShell }) => {
	let clients: Awaited<ReturnType<typeof dyingClients>>;
	const dir = join(repoRoot, 'test', '.tmp', 'local-disconnect');
	const markerFile = () => join(dir, `hook-${randomBytes(4).toString('hex')}`);

	beforeAll(async () => {
		mkdirSync(dir, { recursive: true });
		clients = await dyingClients();
	});
	afterAll(() => clients?.killAll());

	test('killed mid-command: the process group of the command is stopped, then the disconnect script runs', async () => {
		const sleep = uniqueSleep();
		const hook = markerFile();
		const client = await clients.start({ localShell, onDisconnect: [`touch ${hook}`], script: `echo started; ${sleep.command}` }, 'started');
		await client.kill();
		await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be stopped`);
		await waitFor(() => existsSync(hook), 'the disconnect script to run');
	});

	test('a command marked to finish runs to its end first', async () => {
		const done = markerFile();
		const after = markerFile();
		const before = markerFile();
		// The command finishes only once the client is gone: it waits for a gate the test opens then.
		const gate = markerFile();
		const client = await clients.start(
			{ localShell, onDisconnect: [`if [ -e ${done} ]; then touch ${after}; else touch ${before}; fi`], script: `echo started; while [ ! -e ${gate} ]; do sleep 0.05; done; touch ${done}`, ifDisconnected: 'finish' },
			'started',
		);
		await client.kill();
		writeFileSync(gate, '');
		await waitFor(() => existsSync(after) || existsSync(before), 'the disconnect script to run');
		expect(existsSync(done)).toBe(true);
		expect(existsSync(before)).toBe(false);
	});

	test('many hosts in one process: each one left open has its script run as written, none closed cleanly does', async () => {
		const hooks = [markerFile(), markerFile(), markerFile()];
		const closed = markerFile();
		// Quotes, a dollar and a backquote: the script must reach sh as it was written, never be read twice.
		// The open hosts' scripts wait a second first: the closed one's, were it run, would have run by then.
		const written = (file: string) => `sleep 1; x='$HOME \`y\`'; printf '%s' "$x" > ${file}`;
		const client = await clients.start(
			{
				localShell,
				onDisconnect: [written(hooks[0]!)],
				others: [{ onDisconnect: `touch ${closed}`, close: true }, { onDisconnect: written(hooks[1]!), close: false }, { onDisconnect: written(hooks[2]!), close: false }],
				script: 'echo started; sleep 30',
			},
			'started',
		);
		await client.kill();
		await waitFor(() => hooks.every((hook) => existsSync(hook)), 'every open host\'s disconnect script to run');
		for (const hook of hooks) expect(readFileSync(hook, 'utf8')).toBe('$HOME `y`');
		expect(existsSync(closed)).toBe(false);
	});

	test('a clean close does not run it', async () => {
		const hook = markerFile();
		const client = await clients.start({ localShell, onDisconnect: [`touch ${hook}`], close: true }, 'closed');
		expect(existsSync(hook)).toBe(false);
		await client.kill();
	});
});
