import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { cli } from '../support/local-fleet.js';
import { allowSudo, canCreateUsers, canUseSudo, createUser, removeUser, type OsUser } from '../support/os-user.js';
import { loginPath, pathWithout } from '../support/path-without.js';
import { reachableTempDir } from '../support/reachable-dir.js';

/*
 * Hosts as they really are (#24): root on a host without sudo (a minimal Debian, a container), a
 * host with no way at all to act as another account, a host that names its own way in, and a root
 * the deployment's user cannot reach. Each on a real sshd host (its sessions get a PATH without
 * the tools: sshd's SetEnv) and on a local host (the CLI's environment): the machine keeps its
 * sudo, which other work here uses.
 */

const buildScript = `set -e
rm -rf out && mkdir -p out/bin out/frontend
printf '#!/bin/sh\\necho oqto %s\\n' "$SWITCHYARD_RELEASE" > out/bin/oqto
echo "<p>$SWITCHYARD_RELEASE</p>" > out/frontend/index.html
`;

interface Kind {
	readonly name: string;
	/** The host's TOML lines that say how it is reached, for a host whose sessions see `without` missing. */
	reach(without: 'sudo' | 'every way in'): string;
	/** Runs the CLI; a local host gets `path` as its PATH. */
	run(config: string, path: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

const waysIn = ['sudo', 'runuser', 'setpriv'];

describe.runIf(requireSshd('hosts as they really are') && canCreateUsers())('hosts as they really are (#24.1, #24.2)', () => {
	let base: string;
	let user: OsUser;
	let fleet: Fleet;
	const paths = { sudo: '', 'every way in': '' };

	beforeAll(async () => {
		base = reachableTempDir('real-hosts-');
		user = createUser('sy-real');
		paths.sudo = pathWithout(base, ['sudo']);
		paths['every way in'] = pathWithout(base, waysIn);
		fleet = await startFleet({
			dir: path.join(base, 'ssh'),
			hosts: [
				{ name: 'no-sudo', env: { PATH: paths.sudo } },
				{ name: 'no-way-in', env: { PATH: paths['every way in'] } },
			],
		});
		writeFileSync(path.join(base, 'build.sh'), buildScript);
		mkdirSync(path.join(base, 'restarts'));
		// The restarts run as the deployment's user.
		chmodSync(path.join(base, 'restarts'), 0o1777);
	});
	afterAll(async () => {
		await fleet?.stop();
		removeUser(user);
		if (base) rmSync(base, { recursive: true, force: true });
	});

	const kinds: Kind[] = [
		{
			name: 'a real sshd host, root login',
			reach: (without) => `ssh = "${without === 'sudo' ? 'no-sudo' : 'no-way-in'}"`,
			run: async (config, _path, ...args) => {
				const result = await execa('node', [cli, ...args, '--config', config, '--ssh-config', fleet.sshConfigFile], { reject: false, stdin: 'ignore', cwd: base, env: { NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: fleet.dir, PATH: loginPath } });
				return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
			},
		},
		{
			name: 'a local host, run as root',
			reach: () => 'local = true',
			run: async (config, path, ...args) => {
				const result = await execa('node', [cli, ...args, '--config', config], { reject: false, stdin: 'ignore', cwd: base, env: { NO_COLOR: '1', PATH: path }, extendEnv: false });
				return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
			},
		},
	];

	let configs = 0;
	/** An Oqto host in `user` mode whose sessions miss `without`; `root` under `base` unless given. */
	function oqtoHost(kind: Kind, without: 'sudo' | 'every way in', extra = '', root?: string) {
		const id = `${kind.name.startsWith('a real') ? 'ssh' : 'local'}-${(configs += 1)}`;
		const host = path.join(base, id);
		const config = path.join(base, `${id}.toml`);
		writeFileSync(
			config,
			[
				'[app]\nname = "oqto"\n',
				'[build]\ncommand = "sh build.sh"\nartifact = "out"\n',
				'[[host]]',
				'name = "box"',
				kind.reach(without),
				'mode = "multi-user"',
				`user = "${user.name}"`,
				`root = "${root ?? path.join(host, 'root')}"`,
				'binaries = ["oqto"]',
				`bin_prefix = "${path.join(host, 'bin')}"`,
				'frontend = true',
				`web_root = "${path.join(host, 'www')}"`,
				'services = ["oqto"]',
				`restart = "echo \\"$(id -un) {service} $XDG_RUNTIME_DIR $(head -n 1 {current}/bin/oqto | wc -c)\\" >> ${base}/restarts/${id}"`,
				`logs = "echo {service} log read by $(id -un)"`,
				'runners = []',
				extra,
				'',
			].join('\n'),
		);
		return { config, root: root ?? path.join(host, 'root'), restarts: path.join(base, 'restarts', id), bin: path.join(host, 'bin') };
	}
	/** The host's line in the run's summary, spaces squeezed; a deploy's " · no generation" (where it is: nowhere yet) left off, as a dry run has none. */
	const summaryOf = (stdout: string) => stdout.split('\n').find((line) => /^ +\S+ box /.test(line))?.trim().replace(/ +/g, ' ').replace(/ · no generation$/, '');
	const generationsOf = (root: string) => (existsSync(path.join(root, 'generations')) ? readdirSync(path.join(root, 'generations')) : []);

	for (const kind of kinds) {
		describe(kind.name, () => {
			it('root without sudo: restarts, hooks and logs run as the user through runuser; binaries are installed as root', async () => {
				const host = oqtoHost(kind, 'sudo', 'after_switch = ["id -un > hook-ran-as"]');
				const deploy = await kind.run(host.config, paths.sudo, 'deploy', '--yes');
				expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(0);
				expect(deploy.stdout).not.toMatch(/sudo: not found/);
				expect(readFileSync(host.restarts, 'utf8')).toBe(`${user.name} oqto /run/user/${user.uid} 10\n`);
				expect(readFileSync(path.join(host.root, 'current', 'hook-ran-as'), 'utf8')).toBe(`${user.name}\n`);
				expect(statSync(path.join(host.root, 'generations', '1', 'bin', 'oqto')).uid).toBe(user.uid);
				expect(statSync(path.join(host.bin, 'oqto')).uid).toBe(0);
				const logs = await kind.run(host.config, paths.sudo, 'logs');
				expect(logs.exitCode, logs.stdout + logs.stderr).toBe(0);
				expect(logs.stdout.trim()).toBe(`[box] oqto log read by ${user.name}`);
			}, 180_000);

			it('no way in at all: the preflight names what is missing, and nothing is staged', async () => {
				const host = oqtoHost(kind, 'every way in');
				for (const args of [['deploy', '--dry-run'], ['deploy', '--yes']]) {
					const result = await kind.run(host.config, paths['every way in'], ...args);
					expect(result.exitCode, result.stdout).toBe(1);
					expect(summaryOf(result.stdout)).toBe(`✗ box failed — preflight: cannot act as ${user.name} (user = "${user.name}"): logged in as root, and none of runuser, setpriv, sudo is installed (name a way in with become = "…")`);
				}
				expect(generationsOf(host.root)).toEqual([]);
				expect(existsSync(host.restarts)).toBe(false);
				// The logs say the same, instead of `sh: sudo: not found`.
				const logs = await kind.run(host.config, paths['every way in'], 'logs');
				expect(logs.exitCode).not.toBe(0);
				expect(logs.stdout + logs.stderr).toContain('none of runuser, setpriv, sudo is installed');
			}, 180_000);

			it('a host that names its way in (become = "…") is entered that way, and only that way', async () => {
				const wrapper = path.join(base, `as-account-${configs + 1}`);
				// A stand-in for doas (not installed here): notes each use, then becomes the account.
				writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> ${wrapper}.used\nwho=$1; shift\nexec /usr/sbin/runuser -u "$who" -- "$@"\n`);
				chmodSync(wrapper, 0o755);
				const host = oqtoHost(kind, 'every way in', `become = "${wrapper}"`);
				const deploy = await kind.run(host.config, paths['every way in'], 'deploy', '--yes');
				expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(0);
				expect(readFileSync(host.restarts, 'utf8')).toBe(`${user.name} oqto /run/user/${user.uid} 10\n`);
				expect(new Set(readFileSync(`${wrapper}.used`, 'utf8').trim().split('\n'))).toEqual(new Set([user.name]));
				// A way in the host does not have is named.
				const doas = oqtoHost(kind, 'every way in', 'become = "doas -u"');
				const refused = await kind.run(doas.config, paths['every way in'], 'deploy', '--yes');
				expect(summaryOf(refused.stdout)).toBe(`✗ box failed — preflight: cannot act as ${user.name} (user = "${user.name}"): doas is not installed on this host (become = "doas -u")`);
				expect(generationsOf(doas.root)).toEqual([]);
			}, 180_000);

			it('a root the user cannot reach: the preflight names the directory in the way, and nothing is staged', async () => {
				const locked = path.join(base, `locked-${configs + 1}`);
				mkdirSync(path.join(locked, 'srv'), { recursive: true });
				chmodSync(locked, 0o700);
				const host = oqtoHost(kind, 'sudo', '', path.join(locked, 'srv', 'oqto'));
				const result = await kind.run(host.config, paths.sudo, 'deploy', '--yes');
				expect(result.exitCode, result.stdout).toBe(1);
				expect(summaryOf(result.stdout)).toBe(
					`✗ box failed — preflight: ${user.name} cannot reach the root ${host.root} (user = "${user.name}"): ${locked} (drwx------ root:root) does not let it in; give it x there (and r on the root), or put the root elsewhere`,
				);
				expect(generationsOf(host.root)).toEqual([]);
				expect(existsSync(host.restarts)).toBe(false);
			}, 180_000);
		});
	}
});

/*
 * The other row of the way-in table: a login that is not root uses `sudo -n` (the Oqto seed's
 * "sudo access on remote hosts"), for root (installs, chown) and for the deployment's user alike;
 * a login whose sudo wants a password is told so in the preflight.
 */
describe.runIf(requireSshd('a login that is not root') && canCreateUsers() && canUseSudo())('a login that is not root, on a real sshd host: sudo -n (#24.1)', () => {
	let base: string;
	let fleet: Fleet;
	const accounts: OsUser[] = [];
	let disallow: (() => void) | undefined;
	/** The login with sudo, the login without, and the deployment's user. */
	const deployer = () => accounts[0]!;
	const stranger = () => accounts[1]!;
	const owner = () => accounts[2]!;

	beforeAll(async () => {
		base = reachableTempDir('not-root-');
		accounts.push(createUser('sy-login', { login: true }), createUser('sy-nopass', { login: true }), createUser('sy-owner'));
		disallow = allowSudo(deployer());
		fleet = await startFleet({ dir: path.join(base, 'ssh'), hosts: [{ name: 'box' }] });
		// sshd reads authorized_keys as the account logging in.
		chmodSync(path.join(fleet.dir, 'authorized_keys'), 0o644);
		const block = readFileSync(fleet.sshConfigFile, 'utf8');
		writeFileSync(fleet.sshConfigFile, [deployer(), stranger()].map((login) => block.replace('Host box', `Host as-${login.name}`).replace(/User \S+/, `User ${login.name}`)).join('\n'));
		writeFileSync(path.join(base, 'build.sh'), buildScript);
		mkdirSync(path.join(base, 'restarts'), { mode: 0o1777 });
		chmodSync(path.join(base, 'restarts'), 0o1777);
		// Each login keeps its deployments in a root of its own.
		for (const login of [deployer(), stranger()]) {
			mkdirSync(path.join(base, login.name));
			chownSync(path.join(base, login.name), login.uid, login.gid);
		}
	});
	afterAll(async () => {
		disallow?.();
		await fleet?.stop();
		for (const account of accounts) removeUser(account);
		if (base) rmSync(base, { recursive: true, force: true });
	});

	const configFor = (login: OsUser) => {
		const config = path.join(base, `${login.name}.toml`);
		const host = path.join(base, login.name);
		writeFileSync(
			config,
			[
				'[app]\nname = "oqto"\n',
				'[build]\ncommand = "sh build.sh"\nartifact = "out"\n',
				`[[host]]\nname = "box"\nssh = "as-${login.name}"\nuser = "${owner().name}"\nroot = "${host}/oqto"\nbinaries = ["oqto"]\nbin_prefix = "${base}/bin-${login.name}"`,
				`services = ["oqto"]\nrestart = "echo \\"$(id -un) {service}\\" >> ${base}/restarts/${login.name}"\n`,
			].join('\n'),
		);
		return { config, root: path.join(host, 'oqto') };
	};
	const run = async (config: string, ...args: string[]) => {
		const result = await execa('node', [cli, ...args, '--config', config, '--ssh-config', fleet.sshConfigFile], { reject: false, stdin: 'ignore', cwd: base, env: { NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: fleet.dir } });
		return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
	};

	it('installs as root and restarts as the user through sudo -n; the generation is the user\'s', async () => {
		const { config, root } = configFor(deployer());
		const result = await run(config, 'deploy', '--yes');
		expect(result.exitCode, result.stdout + result.stderr).toBe(0);
		expect(readFileSync(path.join(base, 'restarts', deployer().name), 'utf8')).toBe(`${owner().name} oqto\n`);
		expect(statSync(path.join(base, `bin-${deployer().name}`, 'oqto')).uid).toBe(0);
		expect(statSync(path.join(root, 'generations', '1', 'bin', 'oqto')).uid).toBe(owner().uid);
		// Switchyard's own metadata stays the login's.
		expect(statSync(path.join(root, 'generations', '1', '.switchyard', 'generation.json')).uid).toBe(deployer().uid);
	}, 180_000);

	it('a login whose sudo wants a password is refused in the preflight, saying so', async () => {
		const { config, root } = configFor(stranger());
		const result = await run(config, 'deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(new RegExp(`✗ box +failed — preflight: cannot act as ${owner().name} \\(user = "${owner().name}"\\): sudo asks ${stranger().name} for a password \\(allow it without one, NOPASSWD, or name another way in with become = …\\)`));
		expect(existsSync(path.join(root, 'generations')) ? readdirSync(path.join(root, 'generations')) : []).toEqual([]);
	}, 180_000);
});
