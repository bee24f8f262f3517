import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import type { DyingClientPlan } from './dying-client.js';
import { dyingClients } from './dying-client-runner.js';
import { processesWithArgv, uniqueSleep } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';

/**
 * `kill -9` of the CLI mid-command: the host must not keep running what it was running, and a
 * disconnect script the engine armed (its lock release) must run there. The client is a real
 * process (test/ssh/dying-client.ts, bundled) killed with SIGKILL, as an operator would.
 */
describe.runIf(requireSshd('ssh disconnect'))('a client that dies without closing, against a real sshd', () => {
	let fleet: Fleet;
	let clients: Awaited<ReturnType<typeof dyingClients>>;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'gone-1' }] });
		clients = await dyingClients();
	});
	afterAll(async () => {
		clients?.killAll();
		await fleet?.stop();
	});

	const startClient = (plan: Omit<DyingClientPlan, 'ssh'> & { persistentShell: boolean }, line: string) => {
		const { persistentShell, ...rest } = plan;
		return clients.start({ ...rest, ssh: { target: 'gone-1', configFile: fleet.sshConfigFile, home: fleet.dir, persistentShell } }, line);
	};
	const markerFile = () => join(fleet.host('gone-1').root, `hook-${randomBytes(4).toString('hex')}`);

	test.each([
		['persistent shell', true],
		['exec channel of its own', false],
	])('%s: killed mid-command, the command is stopped and the disconnect script runs on the host', async (_, persistentShell) => {
		const sleep = uniqueSleep();
		const hook = markerFile();
		const client = await startClient({ persistentShell, onDisconnect: [`touch ${hook}`], script: `echo started; ${sleep.command}` }, 'started');
		await waitFor(() => processesWithArgv(sleep.argv).length === 1, `${sleep.command} to run`);
		await client.kill();
		await waitFor(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be stopped on the host`);
		await waitFor(() => existsSync(hook), 'the disconnect script to run');
	});

	test('killed while idle, the disconnect script runs; only the last one armed', async () => {
		const replaced = markerFile();
		const hook = markerFile();
		const client = await startClient({ persistentShell: true, onDisconnect: [`touch ${replaced}`, `touch ${hook}`] }, 'idle');
		await client.kill();
		await waitFor(() => existsSync(hook), 'the disconnect script to run');
		expect(existsSync(replaced)).toBe(false);
	});

	test('a disarmed script does not run', async () => {
		const hook = markerFile();
		const after = markerFile();
		// Disarmed, then a different one armed: the first must never run, the second shows the host noticed.
		const client = await startClient({ persistentShell: true, onDisconnect: [`touch ${hook}`, undefined, `touch ${after}`] }, 'idle');
		await client.kill();
		await waitFor(() => existsSync(after), 'the host to notice the disconnect');
		expect(existsSync(hook)).toBe(false);
	});

	test.each([
		['persistent shell', true],
		['exec channel of its own', false],
	])('%s: a command marked to finish runs to its end, and the disconnect script runs after it', async (_, persistentShell) => {
		const done = markerFile();
		const after = markerFile();
		const before = markerFile();
		// The command finishes only once the client is gone: it waits for a gate the test opens then.
		const gate = markerFile();
		const client = await startClient(
			{
				persistentShell,
				onDisconnect: [`if [ -e ${done} ]; then touch ${after}; else touch ${before}; fi`],
				script: `echo started; while [ ! -e ${gate} ]; do sleep 0.05; done; touch ${done}`,
				ifDisconnected: 'finish',
			},
			'started',
		);
		await client.kill();
		writeFileSync(gate, '');
		await waitFor(() => existsSync(after) || existsSync(before), 'the disconnect script to run');
		expect(existsSync(done)).toBe(true);
		expect(existsSync(before)).toBe(false);
	});

	test('a clean close does not run it', async () => {
		const hook = markerFile();
		const client = await startClient({ persistentShell: true, onDisconnect: [`touch ${hook}`], close: true }, 'closed');
		// close() returns once the host side has ended; a script run on close would be there by now.
		expect(existsSync(hook)).toBe(false);
		await client.kill();
	});
});
