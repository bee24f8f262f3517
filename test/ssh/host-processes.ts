import { spawn, type ChildProcess } from 'node:child_process';
import { isRunning } from '../support/processes.js';

/**
 * Load and bystanders for the cancel tests. What runs on "the host" (the fleet's sshd is on this
 * machine) is looked up with test/support/processes.ts.
 */

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
