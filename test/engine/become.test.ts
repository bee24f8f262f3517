import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { becomeFunction, requireReach, requireWayIn } from '../../source/engine/remote/become.js';
import { requireAccounts } from '../../source/engine/remote/deploy-user.js';
import { tailServiceLogs } from '../../source/engine/remote/service-logs.js';
import { activateCurrent } from '../../source/engine/remote/switch.js';
import { canCreateUsers, createUser, removeUser, type OsUser } from '../support/os-user.js';
import { pathWithout } from '../support/path-without.js';
import { reachableTempDir } from '../support/reachable-dir.js';

/*
 * Acting as another account, in a real sh, as root, on a host without sudo (a PATH without it:
 * the machine keeps its sudo for everything else). #24.1: root on a minimal Debian or in a
 * container has no sudo, and `sudo -n -u` failed with `sh: sudo: not found`.
 */
describe.runIf(canCreateUsers())('the way in: sy_become, as root without sudo', () => {
	let dir: string;
	let user: OsUser;
	const run = (text: string, without: readonly string[], cwd = dir) => {
		try {
			const stdout = execFileSync('/bin/sh', ['-c', text], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: pathWithout(dir, without) } });
			return { code: 0, stdout, stderr: '' };
		} catch (error) {
			const failed = error as { status: number; stdout: string; stderr: string };
			return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
		}
	};

	beforeAll(() => {
		dir = reachableTempDir('sy-become-');
		user = createUser('sy-become');
	});
	afterAll(() => {
		removeUser(user);
		rmSync(dir, { recursive: true, force: true });
	});

	it.each([
		['runuser', ['sudo']],
		['setpriv', ['sudo', 'runuser']],
	])('runs as the account with %s when sudo is not there, with its HOME', (_way, without) => {
		const result = run(`${becomeFunction()}\nsy_become ${user.name} sh -c 'echo "$(id -un) $HOME $USER"'`, without);
		expect(result).toMatchObject({ code: 0, stdout: `${user.name} ${user.home} ${user.name}\n` });
	});

	it('names what is missing when there is no way in at all, in the preflight', () => {
		const result = run(`${becomeFunction()}\n${requireWayIn([{ account: user.name, why: `user = "${user.name}"` }])}\necho staged`, ['sudo', 'runuser', 'setpriv']);
		expect(result.code).toBe(1);
		expect(result.stdout).not.toContain('staged');
		expect(result.stderr.trim()).toBe(`cannot act as ${user.name} (user = "${user.name}"): logged in as root, and none of runuser, setpriv, sudo is installed (name a way in with become = "…")`);
		// Root itself needs no way in when the login is root.
		expect(run(`${becomeFunction()}\n${requireWayIn([{ account: 'root', why: 'binaries → /usr/local/bin' }])}\nsy_become root id -un`, ['sudo', 'runuser', 'setpriv']).stdout).toBe('root\n');
	});

	it('uses the way in the host names (become = "…"), or says it is not installed', () => {
		const wrapper = path.join(dir, 'as-account');
		// A stand-in for doas: logs that it was used, then runs the command as the account.
		writeFileSync(wrapper, `#!/bin/sh\necho "as-account $1" >> ${dir}/used\nwho=$1; shift\nexec runuser -u "$who" -- "$@"\n`);
		chmodSync(wrapper, 0o755);
		const result = run(`${becomeFunction({ become: wrapper })}\nsy_become ${user.name} id -un`, ['sudo']);
		expect(result).toMatchObject({ code: 0, stdout: `${user.name}\n` });
		expect(execFileSync('cat', [path.join(dir, 'used')], { encoding: 'utf8' })).toBe(`as-account ${user.name}\n`);
		const missing = run(`${becomeFunction({ become: 'doas -u' })}\n${requireWayIn([{ account: user.name, why: `run_as = "${user.name}"` }])}`, ['sudo', 'doas']);
		expect(missing.code).toBe(1);
		expect(missing.stderr.trim()).toBe(`cannot act as ${user.name} (run_as = "${user.name}"): doas is not installed on this host (become = "doas -u")`);
	});

	it('the deployment user\'s restarts, hooks and logs run as it without sudo', () => {
		const logs = tailServiceLogs({ values: {}, logs: 'echo "{service} read by $(id -un) XDG=$XDG_RUNTIME_DIR"', services: ['oqto'], follow: false, user: user.name });
		expect(run(logs, ['sudo'])).toMatchObject({ code: 0, stdout: `oqto read by ${user.name} XDG=/run/user/${user.uid}\n` });
		const current = path.join(dir, 'app', 'current');
		mkdirSync(current, { recursive: true });
		const activate = activateCurrent({ root: path.join(dir, 'app'), host: 'h', binaries: [], binDir: 'bin', binPrefix: '/usr/local/bin', services: ['oqto'], restart: 'echo "restart {service} as $(id -un)"', runners: [], afterSwitch: ['echo "hook as $(id -un)"'], values: {}, user: user.name });
		// Each step names its command as it runs it (and as whom), then the command says who ran it.
		expect(run(activate, ['sudo'])).toMatchObject({
			code: 0,
			stdout: `SY:step restart services\nrestart oqto as ${user.name}: echo "restart oqto as $(id -un)"\nrestart oqto as ${user.name}\nSY:step after_switch hooks\nafter_switch as ${user.name}: echo "hook as $(id -un)"\nhook as ${user.name}\n`,
		});
	});

	describe('reaching the root (#24.2)', () => {
		it('names the directory that keeps the account out, with its mode and owner', () => {
			const locked = path.join(dir, 'locked');
			mkdirSync(path.join(locked, 'srv'), { recursive: true });
			chmodSync(locked, 0o700);
			const root = path.join(locked, 'srv', 'app');
			const result = run(`${becomeFunction()}\n${requireReach(user.name, root, `user = "${user.name}"`)}\necho reachable`, ['sudo']);
			expect(result.code).toBe(1);
			expect(result.stderr.trim()).toBe(`${user.name} cannot reach the root ${root} (user = "${user.name}"): ${locked} (drwx------ root:root) does not let it in; give it x there (and r on the root), or put the root elsewhere`);
		});

		it('lets through a root it can reach, one that does not exist yet, and a relative one', () => {
			const open = path.join(dir, 'open', 'srv');
			mkdirSync(open, { recursive: true });
			for (const root of [open, path.join(open, 'not-yet', 'app')]) {
				expect(run(`${becomeFunction()}\n${requireReach(user.name, root, 'user')}\necho reachable`, ['sudo']).stdout, root).toBe('reachable\n');
			}
			expect(run(`${becomeFunction()}\n${requireReach(user.name, 'srv/app', 'user')}\necho reachable`, ['sudo'], path.join(dir, 'open')).stdout).toBe('reachable\n');
			// A root it can search but not read.
			const unreadable = path.join(dir, 'open', 'unreadable');
			mkdirSync(unreadable, { mode: 0o711 });
			chmodSync(unreadable, 0o711);
			expect(run(`${becomeFunction()}\n${requireReach(user.name, unreadable, 'user')}`, ['sudo']).stderr).toContain(`${unreadable} (drwx--x--x root:root) does not let it in`);
		});

		it('is part of the preflight\'s account checks, after the user and the way in', () => {
			const locked = path.join(dir, 'locked2');
			mkdirSync(locked, { mode: 0o700 });
			chmodSync(locked, 0o700);
			const checks = requireAccounts({ root: path.join(locked, 'app'), accounts: [{ name: user.name, key: 'run_as' }], asRoot: [], owner: user.name });
			const result = run(`${checks}\necho staged`, ['sudo']);
			expect(result.code).toBe(1);
			expect(result.stderr).toContain(`${user.name} cannot reach the root ${locked}/app (run_as = "${user.name}"): ${locked} (drwx------ root:root)`);
			expect(run(`${requireAccounts({ root: '/srv/x', accounts: [{ name: 'sy-nobody-here', key: 'user' }], asRoot: [] })}\necho staged`, ['sudo']).stderr.trim()).toBe('no user sy-nobody-here on this host (user = "sy-nobody-here")');
		});
	});
});
