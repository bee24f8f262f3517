import { randomInt } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * What the kernel says about processes: trees, CPU time and command lines, from /proc (Linux).
 * The test hosts (sshd or local) run on this machine, so "on the host" is checked here too.
 */

const ticksPerSecond = 100;

function statFields(pid: number): string[] | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may contain spaces; the fields after it are plain.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	} catch {
		return undefined;
	}
}

export function descendantsOf(pid: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const fields = statFields(Number(entry));
		if (!fields) continue;
		const parent = Number(fields[1]);
		children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
	}
	const found: number[] = [];
	const queue = [pid];
	while (queue.length > 0) {
		const next = children.get(queue.shift() as number) ?? [];
		found.push(...next);
		queue.push(...next);
	}
	return found;
}

/** User + system CPU seconds a process has used (its own, not its children's). */
export function cpuSecondsOf(pid: number): number {
	const fields = statFields(pid);
	// utime and stime are fields 14 and 15 of /proc/<pid>/stat, 11 and 12 after the name.
	return fields ? (Number(fields[11]) + Number(fields[12])) / ticksPerSecond : 0;
}

/** Alive and not a zombie. */
export function isRunning(pid: number): boolean {
	const fields = statFields(pid);
	// The state is field 3 of /proc/<pid>/stat, the first after the name.
	return fields !== undefined && fields[0] !== 'Z';
}

function commandLines(): { pid: number; argv: string[] }[] {
	const found: { pid: number; argv: string[] }[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
			// A zombie's command line is empty.
			if (cmdline !== '') found.push({ pid: Number(entry), argv: cmdline.replace(/\0$/, '').split('\0') });
		} catch {
			// Exited while we looked.
		}
	}
	return found;
}

/** Live (not zombie) processes whose argv is exactly `argv`. */
export function processesWithArgv(argv: readonly string[]): number[] {
	const wanted = argv.join('\0');
	return commandLines()
		.filter((each) => each.argv.join('\0') === wanted && isRunning(each.pid))
		.map((each) => each.pid);
}

/**
 * Live processes that run `text`: their command line (arguments joined by spaces, as `ps -eo args=`
 * shows it) starts with it. A shell whose script merely mentions `text` (`sh -c '…; sleep 614'`,
 * there before the command starts and after it ends) is not one of them.
 */
export function processesWith(text: string): string[] {
	return commandLines()
		.filter((each) => each.argv.join(' ').startsWith(text) && isRunning(each.pid))
		.map((each) => `${each.pid} ${each.argv.join(' ')}`);
}

/** A `sleep` no other test (or anything else) runs: its argv is how the test finds it. */
export function uniqueSleep(): { readonly command: string; readonly argv: readonly string[] } {
	const seconds = String(600_000 + randomInt(0, 399_999));
	return { command: `sleep ${seconds}`, argv: ['sleep', seconds] };
}
