import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { cli, repo } from '../support/local-fleet.js';
import { canCreateUsers, createUser, removeUser, runAs, type OsUser } from '../support/os-user.js';
import { hasTool } from '../support/require-tool.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

// The operator's side: root without a nix daemon, no substituters (no network here).
const nixEnv = { NIX_CONFIG: 'build-users-group =\nsandbox = false\nsubstituters =\n', NO_COLOR: '1' };

/**
 * pantherOS with a [store]: the closure travels through the object store as a Nix binary cache
 * (served on loopback by the test S3 server) instead of over SSH. The hosts are real sshd hosts
 * whose login (a second account) has a store of its own (a chroot store under its home), as in
 * pantheros-ssh-store.test.ts. `far`'s sessions cannot reach the store: it gets the SSH copy.
 */
describe.runIf(requireSshd('nix through the store') && hasTool('nix-build', 'apt-get install nix-bin') && canCreateUsers())('pantherOS: closures substituted from the store', () => {
	let fleet: Fleet;
	let server: S3Server;
	let user: OsUser;
	let config: string;

	beforeAll(async () => {
		server = await startS3Server();
		const nowhere = path.join(server.dir, 'nowhere');
		mkdirSync(nowhere, { recursive: true });
		writeFileSync(path.join(nowhere, '.curlrc'), 'connect-to = "::127.0.0.1:9"\n');
		chmodSync(server.dir, 0o755);
		fleet = await startFleet({ hosts: [{ name: 'near' }, { name: 'far', env: { CURL_HOME: nowhere } }] });
		const shell = path.join(fleet.dir, 'nix-host-shell');
		writeFileSync(shell, '#!/bin/sh\nexport NIX_REMOTE="local?root=$HOME/store"\nexec /bin/sh "$@"\n');
		chmodSync(shell, 0o755);
		user = createUser('sy-nixs', { shell, login: true });
		chmodSync(path.join(fleet.dir, 'authorized_keys'), 0o644);
		writeFileSync(fleet.sshConfigFile, readFileSync(fleet.sshConfigFile, 'utf8').replace(/ {2}User \S+/g, `  User ${user.name}`));
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
				`[store]\nurl = "s3://${server.bucket}/panther"\nendpoint = "${server.endpoint}"\n`,
				'[defaults]\nstrategy = "nix"\n',
				...['near', 'far'].map((host) => `[[host]]\nname = "${host}"\nssh = "${host}"\nroot = "${user.home}/switchyard-${host}"\nprofile = "${user.home}/profiles/${host}"\n`),
			].join('\n'),
		);
	});
	afterAll(async () => {
		await fleet?.stop();
		await server?.stop();
		removeUser(user);
	});

	const run = async (...args: string[]) => {
		const result = await execa('node', [cli, ...args, '--config', config, '--ssh-config', fleet.sshConfigFile], { reject: false, stdin: 'ignore', cwd: fleet.dir, env: { ...nixEnv, ...server.env, SSH_AUTH_SOCK: '', HOME: fleet.dir } });
		return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
	};
	const hostHas = (storePath: string) => {
		try {
			runAs(user, `NIX_REMOTE="local?root=$HOME/store" nix-store --check-validity ${storePath}`);
			return true;
		} catch {
			return false;
		}
	};
	const built = (host: string) => execFileSync('readlink', ['-f', path.join(fleet.dir, `result-${host}`)], { encoding: 'utf8' }).trim();

	it('uploads the closure once as a binary cache; a host substitutes it from there, one that cannot reach the store gets the SSH copy', { timeout: 240_000 }, async () => {
		const before = server.requests.length;
		const first = await run('deploy', '--yes');
		expect(first.exitCode, first.stdout + first.stderr).toBe(0);
		const near = built('near');
		expect(first.stdout).toContain(`[near] substituting the closure of ${near} from the store`);
		expect(first.stdout).not.toContain(`[near] copying the closure of ${near}`);
		expect(hostHas(near)).toBe(true);
		expect(first.stdout).toMatch(/\[far\] the host cannot reach the store \(curl: \(7\) .*\): copying the closure over SSH instead \(pull = "auto"\)/);
		expect(first.stdout).toContain(`[far] copying the closure of ${built('far')}`);
		expect(hostHas(built('far'))).toBe(true);
		// The closures went up as binary cache files (a .narinfo and a NAR per path), fetched by links.
		const served = server.requests.slice(before);
		expect(served.some((request) => request.method === 'PUT' && /\/panther\/nix\/[0-9a-z]{32}\.narinfo$/.test(request.path))).toBe(true);
		expect(served.some((request) => request.presigned && /\/panther\/nix\/nar\//.test(request.path))).toBe(true);
		expect(readFileSync(path.join(fleet.dir, 'log', 'activations.log'), 'utf8')).toMatch(/near \S+ switch/);
	});
});
