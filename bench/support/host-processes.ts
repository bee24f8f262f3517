import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sshdPath, type Fleet } from '../../test/fleet/fleet.js';
import { descendantsOf } from '../../test/support/processes.js';

/**
 * Counts the processes a host starts: one fleet host's sshd is relaunched under
 * `strace -f --seccomp-bpf` (same port and keys), which records every fork/clone and execve
 * of sshd and everything under it. Sessions get an empty HOME (`SetEnv HOME=…`) so the
 * machine's own ~/.bashrc does not add its processes to the product's.
 */

export interface ProcessCount {
	/** fork/vfork/clone calls that made a process (threads excluded). */
	readonly processes: number;
	/** Programs run (successful execve). */
	readonly execs: number;
	/** Program basename → times run. */
	readonly programs: ReadonlyMap<string, number>;
}

/**
 * Runs `work` while the host's sshd runs under strace, and counts what sshd and everything
 * under it started. Each call has a fresh traced sshd (same port and keys); it waits until the
 * last session process is gone, then puts the fleet's own sshd back.
 */
export async function countHostProcesses(fleet: Fleet, name: string, work: () => Promise<unknown>): Promise<ProcessCount> {
	const host = fleet.host(name);
	const dir = join(fleet.dir, 'trace', name);
	mkdirSync(join(dir, 'home'), { recursive: true });
	const traceFile = join(dir, 'strace.log');
	const logFile = join(dir, 'sshd.log');
	const config = join(dir, 'sshd_config');
	writeFileSync(config, readFileSync(host.sshdConfigFile, 'utf8').replace(/^PidFile .*$/m, `PidFile ${join(dir, 'sshd.pid')}`) + `SetEnv HOME=${join(dir, 'home')}\n`);
	writeFileSync(traceFile, '');
	writeFileSync(logFile, '');
	await fleet.kill(name);
	const log = openSync(logFile, 'a');
	const strace: ChildProcess = spawn('strace', ['-f', '--seccomp-bpf', '-qq', '-e', 'trace=execve,fork,vfork,clone,clone3', '-o', traceFile, sshdPath, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', log] });
	closeSync(log);
	const exited = new Promise((done) => strace.once('exit', done));
	try {
		const deadline = Date.now() + 10_000;
		while (!/Server listening on 127\.0\.0\.1/.test(readFileSync(logFile, 'utf8'))) {
			if (Date.now() > deadline || strace.exitCode !== null) throw new Error(`sshd under strace did not start for ${name}: ${readFileSync(logFile, 'utf8')}`);
			await new Promise((done) => setTimeout(done, 20));
		}
		const listener = descendantsOf(strace.pid!)[0];
		if (listener === undefined) throw new Error('no sshd under strace');
		await work();
		// Sessions end just after the client sees the end; count once the last one is gone.
		for (const until = Date.now() + 10_000; descendantsOf(listener).length > 0 && Date.now() < until; ) await new Promise((done) => setTimeout(done, 20));
		// strace itself is not killed: it exits when its last tracee does, with its output complete.
		for (const pid of [...descendantsOf(listener), listener]) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Gone already.
			}
		}
		await exited;
		return countTrace(readFileSync(traceFile, 'utf8'));
	} finally {
		if (strace.exitCode === null) strace.kill('SIGKILL');
		await fleet.restart(name);
	}
}

/**
 * Reads strace -f output: joins "<unfinished …>" with its "<… resumed>" line, then counts.
 * The first line is strace starting the traced program (the sshd listener), not the host's work.
 */
export function countTrace(text: string): ProcessCount {
	const pending = new Map<string, string>();
	const calls: string[] = [];
	for (const line of text.split('\n').slice(1)) {
		const unfinished = /^(\d+)\s+(.*) <unfinished \.\.\.>$/.exec(line);
		if (unfinished) {
			pending.set(unfinished[1]!, unfinished[2]!);
			continue;
		}
		const resumed = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(line);
		if (resumed) {
			calls.push(`${pending.get(resumed[1]!) ?? ''}${resumed[2]}`);
			pending.delete(resumed[1]!);
			continue;
		}
		// strace pads the pid column when pids differ in width.
		const call = /^\d+\s+(.*)$/.exec(line);
		if (call) calls.push(call[1]!);
	}
	let processes = 0;
	const programs = new Map<string, number>();
	for (const call of calls) {
		if (/^(fork|vfork|clone3?)\(/.test(call) && !call.includes('CLONE_THREAD') && /= [1-9]\d*$/.test(call)) processes += 1;
		const exec = /^execve\("([^"]+)".* = 0$/.exec(call);
		if (exec) programs.set(basename(exec[1]!), (programs.get(basename(exec[1]!)) ?? 0) + 1);
	}
	return { processes, execs: [...programs.values()].reduce((sum, count) => sum + count, 0), programs };
}

export const describeCount = (count: ProcessCount): string =>
	`${count.processes} processes, ${count.execs} programs (${[...count.programs].sort((a, b) => b[1] - a[1]).map(([program, times]) => `${program}×${times}`).join(' ')})`;
