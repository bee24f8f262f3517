import { readFileSync, readdirSync } from 'node:fs';

/** What the kernel says about processes: trees and CPU time, from /proc (Linux). */

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
