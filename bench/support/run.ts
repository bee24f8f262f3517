import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/** Running commands and taking medians, shared by the benches. */

export interface RunResult {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdinFile?: string } = {}): Promise<RunResult> {
	return new Promise((done, fail) => {
		const stdin = options.stdinFile === undefined ? 'ignore' : openSync(options.stdinFile, 'r');
		const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: [stdin, 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
		if (typeof stdin === 'number') closeSync(stdin);
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.once('error', fail);
		child.once('close', (code) => done({ code, stdout, stderr }));
	});
}

/** Runs a command and throws with its stderr unless it exits 0. */
export async function must(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdinFile?: string } = {}): Promise<RunResult> {
	const result = await run(command, args, options);
	if (result.code !== 0) throw new Error(`${command} ${args.slice(-1).join(' ')} failed (${result.code}): ${(result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n')}`);
	return result;
}

/**
 * `must` under GNU time: also the user + system CPU seconds of the command and of every
 * process it waited for (on this machine; a remote host's work is not in it). NaN without /usr/bin/time.
 */
export async function mustWithCpu(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdinFile?: string } = {}): Promise<RunResult & { cpu: number }> {
	if (!existsSync('/usr/bin/time')) return { ...(await must(command, args, options)), cpu: Number.NaN };
	const file = join(tmpdir(), `bench-cpu-${randomBytes(4).toString('hex')}`);
	try {
		const result = await must('/usr/bin/time', ['-f', '%U %S', '-o', file, command, ...args], options);
		const [user = Number.NaN, system = Number.NaN] = readFileSync(file, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
		return { ...result, cpu: user + system };
	} finally {
		rmSync(file, { force: true });
	}
}

/** Wall time of one call, ms. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
	const started = performance.now();
	await work();
	return performance.now() - started;
}

export function medianOf(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

export const seconds = (ms: number): string => (ms / 1000).toFixed(2);
export const ratio = (value: number, baseline: number): string => `×${(value / baseline).toFixed(2)}`;
export const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
