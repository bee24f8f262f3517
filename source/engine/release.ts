import { execa } from 'execa';
import { hostname, userInfo } from 'node:os';

/** Names one run's release for the whole fleet: UTC time + source revision, e.g. 20261121-234012-abc1234. */
let lastStamp = '';

/** UTC to the second; a second run within the same second of this process moves on to the next one, so releases never repeat. */
function uniqueStamp(now: Date): string {
	let time = Math.floor(now.getTime() / 1000) * 1000;
	let stamp = new Date(time).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	while (stamp <= lastStamp) {
		time += 1000;
		stamp = new Date(time).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	}
	lastStamp = stamp;
	return stamp;
}

export async function makeRelease(cwd: string, now = new Date()): Promise<{ release: string; rev?: string }> {
	// Both at once: every run waits for them before anything else starts.
	const [revision, status] = await Promise.all([
		execa('git', ['rev-parse', '--short', 'HEAD'], { cwd, reject: false }),
		execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false }),
	]);
	const rev = revision.exitCode === 0 ? revision.stdout.trim() : undefined;
	const dirty = rev !== undefined && status.exitCode === 0 && status.stdout.trim() !== '';
	const stamp = uniqueStamp(now);
	return { release: `${stamp}-${rev ?? 'norev'}${dirty ? '-dirty' : ''}`, rev };
}

/** `20261121-234012-345-k3x9`: to the millisecond, so run records sort in the order the runs started. */
export const newRunId = (now = new Date()): string =>
	`${now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').slice(0, 19)}-${Math.random().toString(36).slice(2, 6)}`;

export function operatorName(): string {
	const user = process.env.SWITCHYARD_OPERATOR ?? process.env.USER ?? safeUser();
	return `${user}@${hostname()}`;
}

function safeUser(): string {
	try {
		return userInfo().username;
	} catch {
		return 'unknown';
	}
}
