import { execa } from 'execa';
import { hostname, userInfo } from 'node:os';

/** Names one run's release for the whole fleet: UTC time + source revision, e.g. 20261121-234012-abc1234. */
export async function makeRelease(cwd: string, now = new Date()): Promise<{ release: string; rev?: string }> {
	const revision = await execa('git', ['rev-parse', '--short', 'HEAD'], { cwd, reject: false });
	const rev = revision.exitCode === 0 ? revision.stdout.trim() : undefined;
	const dirty = rev ? (await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false })).stdout.trim() !== '' : false;
	const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	return { release: `${stamp}-${rev ?? 'norev'}${dirty ? '-dirty' : ''}`, rev };
}

export const newRunId = (now = new Date()): string =>
	`${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`;

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
