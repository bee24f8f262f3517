import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot, startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import type { DyingClientPlan } from './dying-client.js';
import { processesWithArgv, uniqueSleep, waitUntil } from './host-processes.js';

/**
 * `kill -9` of the CLI mid-command: the host must not keep running what it was running, and a
 * disconnect script the engine armed (its lock release) must run there. The client is a real
 * process (test/ssh/dying-client.ts, bundled) killed with SIGKILL, as an operator would.
 */
describe.runIf(requireSshd('ssh disconnect'))('a client that dies without closing, against a real sshd', () => {
	let fleet: Fleet;
	let clientScript: string;
	const children: ChildProcessByStdio<null, Readable, Readable>[] = [];

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'gone-1' }] });
		const out = join(repoRoot, 'test', '.tmp', 'dying-client');
		mkdirSync(out, { recursive: true });
		clientScript = join(out, `dying-client-${randomBytes(4).toString('hex')}.mjs`);
		await build({
			entryPoints: [join(repoRoot, 'test', 'ssh', 'dying-client.ts')],
			bundle: true,
			platform: 'node',
			format: 'esm',
			packages: 'external',
			outfile: clientScript,
			logLevel: 'warning',
		});
	});
	afterAll(async () => {
		for (const child of children) child.kill('SIGKILL');
		await fleet?.stop();
	});

	/** Starts the client; resolves once it has printed `line`. */
	const startClient = async (plan: Omit<DyingClientPlan, 'target' | 'configFile' | 'home'>, line: string) => {
		const full: DyingClientPlan = { target: 'gone-1', configFile: fleet.sshConfigFile, home: fleet.dir, ...plan };
		const child = spawn(process.execPath, [clientScript, JSON.stringify(full)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
		children.push(child);
		let output = '';
		await new Promise<void>((resolve, reject) => {
			child.stdout.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				if (output.split('\n').includes(line)) resolve();
			});
			child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
			child.on('exit', (code, signal) => reject(new Error(`the client exited (${signal ?? code}) before "${line}": ${output}`)));
		});
		return {
			kill: () =>
				new Promise<void>((resolve) => {
					child.once('exit', () => resolve());
					child.kill('SIGKILL');
				}),
		};
	};
	const markerFile = () => join(fleet.host('gone-1').root, `hook-${randomBytes(4).toString('hex')}`);

	test.each([
		['persistent shell', true],
		['exec channel of its own', false],
	])('%s: killed mid-command, the command is stopped and the disconnect script runs on the host', async (_, persistentShell) => {
		const sleep = uniqueSleep();
		const hook = markerFile();
		const client = await startClient({ persistentShell, onDisconnect: [`touch ${hook}`], script: `echo started; ${sleep.command}` }, 'started');
		expect(processesWithArgv(sleep.argv)).toHaveLength(1);
		await client.kill();
		await waitUntil(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be stopped on the host`);
		await waitUntil(() => existsSync(hook), 'the disconnect script to run');
	});

	test('killed while idle, the disconnect script runs; only the last one armed', async () => {
		const replaced = markerFile();
		const hook = markerFile();
		const client = await startClient({ persistentShell: true, onDisconnect: [`touch ${replaced}`, `touch ${hook}`] }, 'idle');
		await client.kill();
		await waitUntil(() => existsSync(hook), 'the disconnect script to run');
		expect(existsSync(replaced)).toBe(false);
	});

	test('a disarmed script does not run', async () => {
		const hook = markerFile();
		const after = markerFile();
		// Disarmed, then a different one armed: the first must never run, the second shows the host noticed.
		const client = await startClient({ persistentShell: true, onDisconnect: [`touch ${hook}`, undefined, `touch ${after}`] }, 'idle');
		await client.kill();
		await waitUntil(() => existsSync(after), 'the host to notice the disconnect');
		expect(existsSync(hook)).toBe(false);
	});

	test('a clean close does not run it', async () => {
		const hook = markerFile();
		const client = await startClient({ persistentShell: true, onDisconnect: [`touch ${hook}`], close: true }, 'closed');
		// close() returns once the host side has ended; a script run on close would be there by now.
		expect(existsSync(hook)).toBe(false);
		await client.kill();
	});
});
