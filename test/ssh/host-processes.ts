import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * What runs on "the host": the fleet's sshd is on this machine, so the processes a remote script
 * starts are visible in /proc here. Tests look for them by their exact argv.
 */

/** A `sleep` no other test (or anything else) runs: its argv is how the test finds it. */
export function uniqueSleep(): { readonly command: string; readonly argv: readonly string[] } {
	const seconds = String(600_000 + randomInt(0, 399_999));
	return { command: `sleep ${seconds}`, argv: ['sleep', seconds] };
}

/** Live (not zombie) processes whose argv is exactly `argv`. */
export function processesWithArgv(argv: readonly string[]): number[] {
	const wanted = argv.join('\0');
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0$/, '');
			if (cmdline === wanted && isRunning(Number(entry))) found.push(Number(entry));
		} catch {
			// Exited while we looked.
		}
	}
	return found;
}

/** Alive and not a zombie. */
export function isRunning(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}

/** Two `yes > /dev/null` hogs: a busy 2-core host, as in the reports from the field. */
export function startLoad(count = 2): { stop(): void } {
	const hogs: ChildProcess[] = Array.from({ length: count }, () => spawn('yes', { stdio: ['ignore', 'ignore', 'ignore'] }));
	return {
		stop() {
			for (const hog of hogs) hog.kill('SIGKILL');
		},
	};
}

/** A process in a group of its own that a test can check is untouched. */
export function startBystander(): { readonly pid: number; running(): boolean; stop(): void } {
	const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
	if (child.pid === undefined) throw new Error('could not start the bystander process');
	const pid = child.pid;
	return {
		pid,
		running: () => isRunning(pid),
		stop: () => child.kill('SIGKILL'),
	};
}
