import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { cli, repo } from '../support/local-fleet.js';
import { reachableTempDir } from '../support/reachable-dir.js';
import { canCreateUsers, createUser, removeUser, runAs, type OsUser } from '../support/os-user.js';
import { hasTool } from '../support/require-tool.js';

// The operator's side: root without a nix daemon, no substituters (no network here).
const nixEnv = { NIX_CONFIG: 'build-users-group =\nsandbox = false\nsubstituters =\n', NO_COLOR: '1' };

/**
 * pantherOS deploys to a server whose Nix store is its own: the closure has to travel. Here the
 * server is a real sshd host whose login (a second account) has a store of its own (a chroot
 * store under its home, `NIX_REMOTE=local?root=…`, set by its login shell): nothing the operator
 * built is in it until Switchyard copies the closure over SSH (`nix-store --export | --import`).
 */
describe.runIf(requireSshd('nix over ssh') && hasTool('nix-build', 'apt-get install nix-bin') && canCreateUsers())('pantherOS: the closure copied over SSH into a store that is not the operator\'s', () => {
	let fleet: Fleet;
	let user: OsUser;
	let config: string;
	const host = 'hetzner-vps';

	beforeAll(async () => {
		// The login is a second account: its shell, authorized_keys and root must be reachable, whatever the checkout's parent is (#24.3).
		fleet = await startFleet({ dir: reachableTempDir('ssh-fleet-'), hosts: [{ name: host }] });
		// Its login shell gives every session the host's own store.
		const shell = path.join(fleet.dir, 'nix-host-shell');
		writeFileSync(shell, '#!/bin/sh\nexport NIX_REMOTE="local?root=$HOME/store"\nexec /bin/sh "$@"\n');
		chmodSync(shell, 0o755);
		user = createUser('sy-nix', { shell, login: true });
		// sshd reads authorized_keys as the user logging in.
		chmodSync(path.join(fleet.dir, 'authorized_keys'), 0o644);
		const sshConfig = readFileSync(fleet.sshConfigFile, 'utf8').replace(new RegExp(`(Host ${host}\\n(?:  .*\\n)*?)  User \\S+`), `$1  User ${user.name}`);
		writeFileSync(fleet.sshConfigFile, sshConfig);
		// Where the stand-in system records its activations: the host's user writes it.
		mkdirSync(path.join(fleet.dir, 'log'), { mode: 0o1777 });
		chmodSync(path.join(fleet.dir, 'log'), 0o1777);
		config = path.join(fleet.dir, 'hosts.toml');
		writeFileSync(
			config,
			[
				'[app]\nname = "panther"\n',
				'[build]',
				`command = "nix-build ${path.join(repo, 'test/seeds/fixtures/system.nix')} --argstr host {host} --argstr version $SWITCHYARD_RELEASE --argstr log ${fleet.dir}/log/activations.log --argstr nonce $(date +%s%N) -o result-{host} >/dev/null"`,
				'artifact = "result-{host}"\n',
				`[[host]]\nname = "${host}"\nssh = "${host}"\nstrategy = "nix"\nroot = "${user.home}/switchyard"\nprofile = "${user.home}/profiles/system"\n`,
			].join('\n'),
		);
	});
	afterAll(async () => {
		await fleet?.stop();
		removeUser(user);
	});

	const run = async (...args: string[]) => {
		const result = await execa('node', [cli, ...args, '--config', config, '--ssh-config', fleet.sshConfigFile], { reject: false, stdin: 'ignore', cwd: fleet.dir, env: { ...nixEnv, SSH_AUTH_SOCK: '', HOME: fleet.dir } });
		return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
	};
	/** Asked the way the host asks: as its user, of its own store. */
	const hostHas = (storePath: string) => {
		try {
			runAs(user, `NIX_REMOTE="local?root=$HOME/store" nix-store --check-validity ${storePath}`);
			return true;
		} catch {
			return false;
		}
	};
	const hostProfile = () => runAs(user, `NIX_REMOTE="local?root=$HOME/store" nix-env -p $HOME/profiles/system --list-generations`).trim().split('\n').map((line) => line.trim().split(/\s+/)).map((words) => ({ id: Number(words[0]), current: words.at(-1) === '(current)' }));
	const built = () => readFileSync(path.join(fleet.dir, `result-${host}`, 'nixos-version'), 'utf8').trim() && execFileSync('readlink', ['-f', path.join(fleet.dir, `result-${host}`)], { encoding: 'utf8' }).trim();

	it('copies the closure once, dry-activates and switches the host\'s own profile; rolls back to N', { timeout: 240_000 }, async () => {
		const first = await run('deploy', '--yes');
		expect(first.exitCode, first.stdout + first.stderr).toBe(0);
		const storePath = built();
		// It was not in the host's store: it travelled, once (the dry-activate needs it, the stage reuses it).
		expect(first.stdout.match(new RegExp(`\\[${host}\\] copying the closure of ${storePath.replaceAll('.', '\\.')}`, 'g'))).toHaveLength(1);
		expect(hostHas(storePath)).toBe(true);
		expect(existsSync(path.join(user.home, 'store', storePath))).toBe(true);
		expect(hostProfile()).toEqual([{ id: 1, current: true }]);
		const version = path.basename(storePath).replace(/^.*-nixos-system-hetzner-vps-/, '');
		expect(readFileSync(path.join(fleet.dir, 'log', 'activations.log'), 'utf8').trim().split('\n')).toEqual([`${host} ${version} dry-activate`, `${host} ${version} switch`]);

		const second = await run('deploy', '--yes');
		expect(second.exitCode, second.stdout).toBe(0);
		expect(built()).not.toBe(storePath);
		expect(hostHas(built())).toBe(true);
		expect(hostProfile()).toEqual([{ id: 1, current: false }, { id: 2, current: true }]);

		const back = await run('rollback', '--to', '1', '--yes');
		expect(back.exitCode, back.stdout).toBe(0);
		expect(hostProfile()).toEqual([{ id: 1, current: true }, { id: 2, current: false }]);
		expect(readFileSync(path.join(fleet.dir, 'log', 'activations.log'), 'utf8').trim().split('\n').at(-1)).toBe(`${host} ${version} switch`);
	});
});
