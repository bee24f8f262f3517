import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import { repoRoot } from '../fleet/fleet.js';
import type { DyingClientPlan } from './dying-client.js';

/** Bundles test/ssh/dying-client.ts (once per test file) and starts it as a real process, to be killed. */
export async function dyingClients(): Promise<{
	start(plan: DyingClientPlan, line: string): Promise<{ kill(): Promise<void> }>;
	killAll(): void;
}> {
	const out = join(repoRoot, 'test', '.tmp', 'dying-client');
	mkdirSync(out, { recursive: true });
	const script = join(out, `dying-client-${randomBytes(4).toString('hex')}.mjs`);
	await build({
		entryPoints: [join(repoRoot, 'test', 'ssh', 'dying-client.ts')],
		bundle: true,
		platform: 'node',
		format: 'esm',
		packages: 'external',
		outfile: script,
		logLevel: 'warning',
	});
	const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
	return {
		/** Starts a client; resolves once it has printed `line`. */
		async start(plan, line) {
			const child = spawn(process.execPath, [script, JSON.stringify(plan)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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
						if (child.exitCode !== null || child.signalCode !== null) return resolve();
						child.once('exit', () => resolve());
						child.kill('SIGKILL');
					}),
			};
		},
		/** Kills what is left and removes the bundle. */
		killAll() {
			for (const child of children) child.kill('SIGKILL');
			rmSync(script, { force: true });
			rmSync(`${script}.map`, { force: true });
		},
	};
}
