import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cli, repo } from '../support/local-fleet.js';
import { hasTool } from '../support/require-tool.js';
import { TmuxTerminal } from '../support/tmux.js';

// As root without a nix daemon (Debian's nix-bin): no build users, no sandbox.
// No substituters: this machine has no network, and a build must not wait for (or warn about) one.
const nixEnv = { NIX_CONFIG: 'build-users-group =\nsandbox = false\nsubstituters =\n', NO_COLOR: '1' };

function nixFleet(hosts: readonly string[]) {
	const base = path.join(repo, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const dir = mkdtempSync(path.join(base, 'nix-'));
	const activations = path.join(dir, 'activations.log');
	const config = path.join(dir, 'hosts.toml');
	writeFileSync(
		config,
		[
			'[app]\nname = "panther"\nkeep = 5\n',
			'[build]',
			`command = "nix-build ${path.join(repo, 'test/seeds/fixtures/system.nix')} --argstr host {host} --argstr version $SWITCHYARD_RELEASE --argstr log ${activations} --argstr fail \${FAIL:-0} --argstr warn \${WARN:-0} --argstr nonce $(date +%s%N) -o result-{host} >/dev/null"`,
			'artifact = "result-{host}"\n',
			'[defaults]\nstrategy = "nix"\nroot = "state/{host}"\n',
			...hosts.map((host) => `[[host]]\nname = "${host}"\nlocal = true\nprofile = "${dir}/profiles/${host}/system"\n`),
		].join('\n'),
	);
	const run = async (args: string[], env: Record<string, string> = {}) => {
		const result = await execa('node', [cli, ...args, '--config', config], { reject: false, stdin: 'ignore', cwd: dir, env: { ...nixEnv, ...env } });
		return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
	};
	const profileGenerations = (host: string) =>
		execFileSync('nix-env', ['-p', `${dir}/profiles/${host}/system`, '--list-generations'], { encoding: 'utf8', env: { ...process.env, ...nixEnv } })
			.trim()
			.split('\n')
			.map((line) => line.trim().split(/\s+/))
			.map((words) => ({ id: Number(words[0]), current: words.at(-1) === '(current)' }));
	const activationLog = () => readFileSync(activations, 'utf8').trim().split('\n');
	return { dir, run, profileGenerations, activationLog };
}

describe.runIf(hasTool('nix-build', 'apt-get install nix-bin'))('pantherOS: Nix profile generations', () => {
	it('builds per host, dry-activates, switches, lists generations and rolls back to N', { timeout: 240_000 }, async () => {
		const fleet = nixFleet(['yoga', 'hetzner-vps']);
		for (let deploy = 1; deploy <= 3; deploy += 1) {
			const result = await fleet.run(['deploy', '--yes']);
			expect(result.stderr).toBe('');
			expect(result.exitCode, result.stdout).toBe(0);
		}
		for (const host of ['yoga', 'hetzner-vps']) {
			expect(fleet.profileGenerations(host)).toEqual([
				{ id: 1, current: false },
				{ id: 2, current: false },
				{ id: 3, current: true },
			]);
		}
		// build → dry-activate → switch, for every deploy, in that order.
		const yoga = fleet.activationLog().filter((line) => line.startsWith('yoga '));
		expect(yoga.map((line) => line.split(' ')[2])).toEqual(['dry-activate', 'switch', 'dry-activate', 'switch', 'dry-activate', 'switch']);

		const listed = await fleet.run(['generations', '--host', 'yoga']);
		expect(listed.exitCode).toBe(0);
		expect(listed.stdout).toMatch(/\* 3 .*\(current\)/);
		const release1 = /\n {2}1 +\S+ \S+ +(\S+)/.exec(listed.stdout)![1]!;

		const rollback = await fleet.run(['rollback', '--to', '1', '--host', 'yoga', '--yes']);
		expect(rollback.exitCode).toBe(0);
		expect(fleet.profileGenerations('yoga').find((generation) => generation.current)?.id).toBe(1);
		expect(fleet.profileGenerations('hetzner-vps').find((generation) => generation.current)?.id).toBe(3);
		expect(fleet.activationLog().at(-1)).toBe(`yoga ${release1} switch`);
	});

	it('rolls back automatically when switch-to-configuration fails', { timeout: 240_000 }, async () => {
		const fleet = nixFleet(['ovh-vps']);
		expect((await fleet.run(['deploy', '--yes'])).exitCode).toBe(0);
		const result = await fleet.run(['deploy', '--yes'], { FAIL: '1' });
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/↺ ovh-vps +rolled back — activating generation 2: activation of \S+ failed: unit foo.service did not start; rolled back to generation 1/);
		// Generation 2 exists in the profile, but 1 is current and was activated again.
		expect(fleet.profileGenerations('ovh-vps')).toEqual([
			{ id: 1, current: true },
			{ id: 2, current: false },
		]);
		expect(fleet.activationLog().map((line) => line.split(' ')[2])).toEqual(['dry-activate', 'switch', 'dry-activate', 'switch', 'switch']);
	});

	it('switches later to the closure a declined deploy staged, recorded as that release', { timeout: 240_000 }, async () => {
		const fleet = nixFleet(['yoga']);
		for (let deploy = 1; deploy <= 3; deploy += 1) {
			const result = await fleet.run(['deploy', '--yes']);
			expect(result.exitCode, result.stdout).toBe(0);
		}
		expect((await fleet.run(['rollback', '--to', '2', '--yes'])).exitCode).toBe(0);
		// No terminal, no --yes: built and copied, not switched.
		const declined = await fleet.run(['deploy']);
		expect(declined.exitCode).toBe(3);
		const staged = /\[yoga\] staged generation (\d+)/.exec(declined.stdout);
		expect(staged?.[1]).toBe('4');
		const release = /^── deploy (\S+) →/m.exec(declined.stdout)![1]!;
		expect(fleet.profileGenerations('yoga').find((generation) => generation.current)?.id).toBe(2);

		const later = await fleet.run(['deploy', '--phases', 'switch,validate', '--yes']);
		expect(later.exitCode).toBe(0);
		// The staged closure, not generation 3 (an older release that merely exists).
		expect(fleet.profileGenerations('yoga').find((generation) => generation.current)?.id).toBe(4);
		expect(fleet.activationLog().at(-1)).toBe(`yoga ${release} switch`);
		const listed = await fleet.run(['generations', '--host', 'yoga']);
		expect(listed.stdout).toMatch(new RegExp(`\\* 4 .*${release}.*live.*\\(current\\)`));
		// Nothing is staged any more: another switch later has nothing to switch to.
		const again = await fleet.run(['deploy', '--phases', 'switch,validate', '--yes']);
		expect(again.exitCode).toBe(1);
		expect(again.stdout).toMatch(/nothing staged to switch to/);
	});

	it('collects the warning: lines of the build and of dry-activate per host, for the confirm and the summary', { timeout: 240_000 }, async () => {
		const fleet = nixFleet(['yoga', 'zephyrus']);
		// A real Nix warning from the build (an unknown setting), and one from dry-activate.
		const warned = { WARN: '1', NIX_CONFIG: `${nixEnv.NIX_CONFIG}sy-unknown-setting = 1\n` };
		const dry = await fleet.run(['deploy', '--dry-run'], warned);
		expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
		for (const host of ['yoga', 'zephyrus']) {
			expect(dry.stdout).toMatch(new RegExp(`^  ⚠ ${host} +warning: unknown setting 'sy-unknown-setting'$`, 'm'));
			expect(dry.stdout).toMatch(new RegExp(`^  ⚠ ${host} +warning: the option services.foo.enable is deprecated \\(${host}\\)$`, 'm'));
		}
		// Each host's own: yoga's dry-activate warning is not zephyrus's.
		expect(dry.stdout).not.toMatch(/⚠ zephyrus +warning: .*\(yoga\)/);
		// (Nix may warn of its own, e.g. of a busy database when builds run at once: those are shown too.)
		const quiet = await fleet.run(['deploy', '--dry-run']);
		expect(quiet.stdout).not.toMatch(/⚠ .*(unknown setting|deprecated)/);

		// Asked on a terminal, the question shows them before anything switches.
		const wrapper = path.join(fleet.dir, 'deploy-on-a-terminal.sh');
		writeFileSync(wrapper, `export WARN=1 NO_COLOR=1 NIX_CONFIG='${warned.NIX_CONFIG}'\nnode ${cli} deploy --host yoga --config ${path.join(fleet.dir, 'hosts.toml')}\necho "exit status $?"; sleep 600\n`);
		const terminal = TmuxTerminal.start({ command: `sh ${wrapper}`, cwd: fleet.dir, columns: 160, rows: 40 });
		try {
			const asked = await terminal.waitFor(/Switch 1 staged host to release \S+\? \[y\/N\]/, 120_000);
			const question = asked.split('\n');
			const at = question.findIndex((line) => line.startsWith('  yoga  ∅ → 1'));
			expect(at, asked).toBeGreaterThanOrEqual(0);
			expect(question.slice(at + 1, at + 3).sort()).toEqual(["    ⚠ warning: the option services.foo.enable is deprecated (yoga)", "    ⚠ warning: unknown setting 'sy-unknown-setting'"]);
			terminal.send('n', 'Enter');
			await terminal.waitFor('exit status 3', 30_000);
		} finally {
			terminal.kill();
		}
		expect(existsSync(path.join(fleet.dir, 'profiles', 'yoga', 'system'))).toBe(false);
	});

	it('deploying the closure that already runs is ok and changes nothing', { timeout: 240_000 }, async () => {
		const fleet = nixFleet(['yoga']);
		expect((await fleet.run(['deploy', '--yes'])).exitCode).toBe(0);
		// The same build result again: nix-env --set to its own path would make no new generation.
		const again = await fleet.run(['deploy', '--yes', '--skip-build']);
		expect(again.exitCode, again.stdout).toBe(0);
		expect(again.stdout).toMatch(/\[yoga\] generation 1 already runs this build: nothing to stage or switch/);
		expect(again.stdout).toContain('[yoga] ✓ ok · gen 1');
		expect(fleet.profileGenerations('yoga')).toEqual([{ id: 1, current: true }]);
	});

	it('stops at a failed build before any host is touched', { timeout: 120_000 }, async () => {
		const fleet = nixFleet(['yoga']);
		writeFileSync(path.join(fleet.dir, 'hosts.toml'), readFileSync(path.join(fleet.dir, 'hosts.toml'), 'utf8').replace('system.nix', 'missing.nix'));
		const result = await fleet.run(['deploy', '--yes']);
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/✗ yoga +failed — build failed/);
	});
});
