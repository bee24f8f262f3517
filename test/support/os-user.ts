import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { hasTool } from './require-tool.js';

/**
 * Real second accounts on this machine, for tests of what a deployment's `user` or a deploy
 * script's `run_as` owns and runs. One per test file and run (a random suffix), removed after.
 * Creating accounts needs root (CI runs as root) and `useradd` (passwd); elsewhere the tests are
 * skipped, and in CI a missing tool fails instead (`hasTool`). Becoming the account needs no sudo:
 * as root, `runuser` (util-linux, on every Linux) does, as the product does.
 */
export function canCreateUsers(): boolean {
	if (!hasTool('useradd', 'apt-get install passwd')) return false;
	if (process.getuid?.() === 0) return true;
	if (process.env.CI) throw new Error('tests that create OS users must run as root in CI');
	console.warn('skipping: creating OS users needs root');
	return false;
}

export interface OsUser {
	readonly name: string;
	readonly uid: number;
	readonly gid: number;
	readonly home: string;
}

/**
 * A fresh account `<prefix>-<random>` with a home directory. `shell` is its login shell;
 * `login: true` lets sshd accept it (sshd without PAM refuses a locked password, which is what
 * useradd gives; `*` is no password and not locked).
 */
export function createUser(prefix: string, options: { shell?: string; login?: boolean } = {}): OsUser {
	const name = `${prefix}-${randomBytes(3).toString('hex')}`;
	execFileSync('useradd', ['--create-home', '--shell', options.shell ?? '/bin/sh', ...(options.login ? ['--password', '*'] : []), name], { stdio: 'pipe' });
	const [, , uid, gid, , home] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
	return { name, uid: Number(uid), gid: Number(gid), home: home! };
}

/** Ends the user's processes and removes the account and its home. */
export function removeUser(user: OsUser | undefined): void {
	if (!user) return;
	execFileSync('sh', ['-c', `pkill -KILL -u ${user.name} 2>/dev/null; userdel --force --remove ${user.name} 2>/dev/null; true`], { stdio: 'ignore' });
}

/** A command's stdout, run as the user (with runuser, as the product does when it logs in as root). */
export function runAs(user: OsUser, command: string): string {
	return execFileSync('runuser', ['-u', user.name, '--', 'sh', '-c', command], { encoding: 'utf8' });
}

/**
 * Lets `user` run anything through `sudo -n` (a drop-in in /etc/sudoers.d, checked with visudo
 * before it is put in place); returns what takes it away again. For tests of a login that is not
 * root, as the Oqto seed deploys ("sudo access on remote hosts"). Needs sudo: in CI a missing one
 * fails (`hasTool`).
 */
export function canUseSudo(): boolean {
	return hasTool('sudo', 'apt-get install sudo') && hasTool('visudo', 'apt-get install sudo');
}

export function allowSudo(user: OsUser): () => void {
	const draft = `/etc/sudoers.d/.${user.name}.draft`;
	const file = `/etc/sudoers.d/switchyard-test-${user.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
	writeFileSync(draft, `${user.name} ALL=(ALL:ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
	try {
		execFileSync('visudo', ['-c', '-q', '-f', draft], { stdio: 'pipe' });
		renameSync(draft, file);
	} finally {
		rmSync(draft, { force: true });
	}
	return () => rmSync(file, { force: true });
}
