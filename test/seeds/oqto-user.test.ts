import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { cli } from '../support/local-fleet.js';
import { reachableTempDir } from '../support/reachable-dir.js';
import { canCreateUsers, createUser, removeUser, type OsUser } from '../support/os-user.js';
import { isRunning } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';

/** Oqto's artifact: backend binaries (oqto-files never changes) and a frontend whose asset names change every build. */
const buildScript = `set -e
build=$SWITCHYARD_RELEASE-$(date +%s%N)
rm -rf out && mkdir -p out/bin out/frontend/assets
for binary in oqto oqto-runner; do printf '#!/bin/sh\\necho %s %s\\n' "$binary" "$build" > out/bin/$binary; done
printf '#!/bin/sh\\necho oqto-files\\n' > out/bin/oqto-files
hash=$(echo "$build" | sha256sum | cut -c1-8)
echo "<script src=assets/app-$hash.js></script> $build" > out/frontend/index.html
echo "console.log('$build')" > out/frontend/assets/app-$hash.js
`;

/**
 * The seed's host block as written (no `runners` key), on a real sshd host reached as root, with
 * only what this machine needs changed: the SSH alias, where binaries and the frontend go, and a
 * restart that records who ran it (there is no systemd user manager here).
 */
const seedBlock = (fleet: Fleet, user: string, extra = '') => `[[host]]
name = "octo-azure"          # Label for filtering and logs
ssh = "octo-azure"           # SSH alias or user@host
mode = "multi-user"          # "local" or "multi-user"
user = "${user}"          # OS user that owns the deployment
frontend = true              # Deploy frontend assets
web_root = "${fleet.dir}/www/oqto"  # Where frontend dist is served
binaries = ["oqto", "oqto-runner", "oqto-files"]  # Binaries to install
services = ["oqto", "oqto-runner"]  # Systemd user services to restart
root = "${fleet.host('octo-azure').root}"
bin_prefix = "${fleet.dir}/usr-local-bin"
restart = "echo \\"$(id -un) {service} $XDG_RUNTIME_DIR\\" >> ${fleet.dir}/restarts/log"
shared = ["data/uploads"]
${extra}`;

describe.runIf(requireSshd('oqto user') && canCreateUsers())('Oqto: the deployment belongs to `user`, on a real sshd host', () => {
	let fleet: Fleet;
	let user: OsUser;

	beforeAll(async () => {
		// Where the deployment's user can reach the root, whatever the checkout's parent is (#24.3).
		fleet = await startFleet({ dir: reachableTempDir('ssh-fleet-'), hosts: [{ name: 'octo-azure' }] });
		user = createUser('sy-oqto');
		writeFileSync(path.join(fleet.dir, 'build.sh'), buildScript);
		mkdirSync(path.join(fleet.dir, 'restarts'));
		// Anyone may append here: the restarts run as the deployment's user.
		chmodSync(path.join(fleet.dir, 'restarts'), 0o1777);
	});
	afterAll(async () => {
		await fleet?.stop();
		removeUser(user);
	});

	const configure = (extra = '') => {
		const file = path.join(fleet.dir, `hosts-${Math.random().toString(36).slice(2)}.toml`);
		writeFileSync(file, `[app]\nname = "oqto"\n\n[build]\ncommand = "sh build.sh"\nartifact = "out"\n\n${seedBlock(fleet, user.name, extra)}`);
		return file;
	};
	const run = async (config: string, ...args: string[]) => {
		const result = await execa('node', [cli, ...args, '--config', config, '--ssh-config', fleet.sshConfigFile], { reject: false, stdin: 'ignore', cwd: fleet.dir, env: { NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: fleet.dir } });
		return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
	};
	const root = () => fleet.host('octo-azure').root;
	const owner = (file: string) => statSync(file).uid;
	const tree = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);
	/** A per-user runner: a process named oqto-runner, running as the deployment's user. */
	const startRunner = () => {
		const binary = path.join(fleet.dir, 'oqto-runner');
		if (!existsSync(binary)) copyFileSync('/bin/sleep', binary);
		chmodSync(binary, 0o755);
		const runner = spawn(binary, ['300'], { stdio: 'ignore', uid: user.uid, gid: user.gid });
		const exited = new Promise<NodeJS.Signals | null>((resolve) => runner.on('exit', (_code, signal) => resolve(signal)));
		return Object.assign(exited, {
			pid: runner.pid as number,
			/** Running under its own name (exec done), as the deploy looks for it. */
			named: () => {
				try {
					return readFileSync(`/proc/${runner.pid}/comm`, 'utf8').trim() === 'oqto-runner' && isRunning(runner.pid as number);
				} catch {
					return false;
				}
			},
			kill: () => runner.kill('SIGKILL'),
		});
	};

	it('dry run: says per host what would be installed, synced, restarted and ended, and changes nothing', async () => {
		const config = configure();
		const runner = startRunner();
		// On a busy machine the runner may not be running under its name yet: the dry run counts it by name.
		await waitFor(() => runner.named(), 'the runner to run as oqto-runner');
		const dry = await run(config, 'deploy', '--dry-run');
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		const said = dry.stdout;
		expect(said).toMatch(/\[octo-azure\] would become generation 1 \(now none\), release \S+/);
		expect(said).toContain(`[octo-azure] binaries → ${fleet.dir}/usr-local-bin (root-owned, installed as root): oqto`);
		expect(said).toMatch(/oqto \d+ B new · oqto-runner \d+ B new · oqto-files \d+ B new/);
		expect(said).toMatch(/\[octo-azure\] frontend → \S+\/www\/oqto \(does not exist yet\): \+2 ~0 -0, 0 unchanged: \+ assets\/app-\w+\.js, index\.html/);
		expect(said).toContain(`[octo-azure] services to restart as ${user.name}: oqto, oqto-runner`);
		expect(said).toMatch(/\[octo-azure\] runners to end: oqto-runner \([1-9]\d* running\)/);
		expect(said).toContain('[octo-azure] nothing was changed (dry run)');
		expect(tree(root())).toEqual([]);
		expect(existsSync(path.join(fleet.dir, 'usr-local-bin'))).toBe(false);
		expect(existsSync(path.join(fleet.dir, 'www'))).toBe(false);

		// A real deploy: the generation and the shared dirs are the user's, binaries root's, restarts the user's.
		const deploy = await run(config, 'deploy', '--yes');
		expect(deploy.exitCode, deploy.stdout + deploy.stderr).toBe(0);
		const generation = path.join(root(), 'generations', '1');
		for (const file of ['', 'bin/oqto', 'frontend/index.html', '.env']) expect(owner(path.join(generation, file)), file).toBe(user.uid);
		expect(statSync(path.join(generation, '.env')).mode & 0o777).toBe(0o600);
		// Switchyard's own metadata stays the deployer's.
		expect(owner(path.join(generation, '.switchyard', 'generation.json'))).toBe(0);
		for (const dir of ['shared', 'shared/data', 'shared/data/uploads']) expect(owner(path.join(root(), dir)), dir).toBe(user.uid);
		for (const binary of ['oqto', 'oqto-runner', 'oqto-files']) {
			const installed = statSync(path.join(fleet.dir, 'usr-local-bin', binary));
			expect([installed.uid, installed.mode & 0o777]).toEqual([0, 0o755]);
		}
		expect(readFileSync(path.join(fleet.dir, 'restarts', 'log'), 'utf8').trim().split('\n')).toEqual([`${user.name} oqto /run/user/${user.uid}`, `${user.name} oqto-runner /run/user/${user.uid}`]);
		// Multi-user mode, no `runners` key: the per-user runners were ended (they respawn with the new binary).
		expect(await runner).toBe('SIGTERM');
		expect(deploy.stdout).toMatch(/\[octo-azure\] ended [1-9]\d* oqto-runner process\(es\)/);

		// What a second deploy would change: oqto changed, oqto-files unchanged, one asset swapped for another.
		const servedBefore = tree(path.join(fleet.dir, 'www', 'oqto'));
		const again = await run(config, 'deploy', '--dry-run');
		expect(again.exitCode, again.stdout).toBe(0);
		expect(again.stdout).toMatch(/would become generation 2 \(now 1\)/);
		expect(again.stdout).toMatch(/oqto \d+ B changed \(was \d+ B\) · oqto-runner \d+ B changed \(was \d+ B\) · oqto-files \d+ B unchanged/);
		expect(again.stdout).toMatch(/frontend → \S+: \+1 ~1 -1, 0 unchanged: \+ assets\/app-\w+\.js; ~ index\.html; - assets\/app-\w+\.js/);
		expect(tree(path.join(fleet.dir, 'www', 'oqto'))).toEqual(servedBefore);
		expect(readdirSync(path.join(root(), 'generations'))).toEqual(['1']);
		// Three runs over SSH: a busy machine needs more than the default minute.
	}, 180_000);

	it('switchyard logs reads the services\' logs as the user, in its session', async () => {
		const config = configure('logs = "echo {service} log read by $(id -un) with XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"');
		const logs = await run(config, 'logs');
		expect(logs.exitCode, logs.stdout + logs.stderr).toBe(0);
		expect(logs.stdout.trim().split('\n').sort()).toEqual([
			`[octo-azure] oqto log read by ${user.name} with XDG_RUNTIME_DIR=/run/user/${user.uid}`,
			`[octo-azure] oqto-runner log read by ${user.name} with XDG_RUNTIME_DIR=/run/user/${user.uid}`,
		]);
	});

	it('runners = [] leaves the runners alone', async () => {
		const config = configure('runners = []');
		// A runner is running, as in the first test, where the deploy ends it.
		const runner = startRunner();
		try {
			await waitFor(runner.named, 'the oqto-runner process to run');
			const dry = await run(config, 'deploy', '--dry-run');
			expect(dry.stdout).toContain('[octo-azure] runners to end: none');
			const deploy = await run(config, 'deploy', '--yes');
			expect(deploy.exitCode, deploy.stdout).toBe(0);
			expect(deploy.stdout).not.toMatch(/ended \d+ oqto-runner/);
			expect(runner.named(), 'the runner survived the deploy').toBe(true);
		} finally {
			runner.kill();
		}
		expect(await runner).toBe('SIGKILL');
	});

	it('refuses a user the host does not have, before anything is staged', async () => {
		const config = configure();
		writeFileSync(config, readFileSync(config, 'utf8').replace(`user = "${user.name}"`, 'user = "sy-nobody-here"'));
		const before = readdirSync(path.join(root(), 'generations'));
		const result = await run(config, 'deploy', '--yes');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/✗ octo-azure +failed — preflight: no user sy-nobody-here on this host \(user = "sy-nobody-here"\)/);
		expect(readdirSync(path.join(root(), 'generations'))).toEqual(before);
	});
});
