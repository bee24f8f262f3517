import { execSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { cli } from '../support/local-fleet.js';
import { processesWith, uniqueSleep } from '../support/processes.js';

/** Sleeps nothing else runs: a leftover of another run must not make a host look busy or hold a test up. */
const naps = { 617: uniqueSleep().command, 618: uniqueSleep().command };
import { sshDeployFleet, stopFleetServices, type SshDeployFleet } from '../support/ssh-fleet-config.js';
import { waitFor } from '../support/wait-for.js';
import { execa } from 'execa';
import { canCreateUsers, createUser, removeUser, type OsUser } from '../support/os-user.js';
import { pathWithout } from '../support/path-without.js';
import { reachableTempDir } from '../support/reachable-dir.js';

/**
 * The fault suite: each scenario breaks something real (sshd killed, a lock held, a health
 * check failing, Ctrl-C…) and ends with the same invariant on every host it touched.
 */
const outcomes: [string, string][] = [];
// After every describe of this file: the table holds each one's scenarios.
afterAll(() => {
	if (outcomes.length === 0) return;
	const width = Math.max(...outcomes.map(([scenario]) => scenario.length));
	console.log(['', 'fault scenario'.padEnd(width) + '  outcome', ...outcomes.map(([scenario, outcome]) => `${scenario.padEnd(width)}  ${outcome}`)].join('\n'));
});
const hostNames = [
	'upload', 'swap', 'health', 'rollback', 'disk', 'live-lock', 'stale-lock', 'key', 'big-line', 'int-build', 'int-preflight', 'int-upload', 'int-switch', 'int-validate',
	'slow-restart', 'late-confirm', 'killed-run', 'hang-health', 'kill9', 'kill9-rollback',
];

/** `current` is a complete generation matching its manifest; no .partial is current; the log agrees. */
function assertInvariant(root: string, scenario: string): string {
	const problems: string[] = [];
	const link = path.join(root, 'current');
	let current: string | undefined;
	if (existsSync(link)) {
		current = readlinkSync(link);
		if (!/^generations\/\d+$/.test(current)) problems.push(`current -> ${current} is not a complete generation`);
		const generation = path.join(root, current);
		if (!existsSync(path.join(generation, '.switchyard', 'generation.json'))) problems.push(`${current} has no metadata`);
		try {
			execSync('sha256sum -c --quiet --strict .switchyard/manifest.sha256', { cwd: generation, stdio: 'pipe' });
		} catch (error) {
			problems.push(`${current} does not match its manifest: ${String((error as { stdout?: Buffer }).stdout ?? error)}`);
		}
		const switches = readFileSync(path.join(root, 'switches.log'), 'utf8').trim().split('\n').map((line) => line.split('\t')).filter((line) => line[4] !== 'break-lock');
		const last = switches.at(-1);
		if (`generations/${last?.[3]}` !== current) problems.push(`switches.log ends at ${last?.[3]} but current is ${current}`);
	}
	if (existsSync(path.join(root, '.lock'))) {
		const owner = JSON.parse(readFileSync(path.join(root, '.lock', 'owner.json'), 'utf8'));
		if (owner.machine === hostname() && isAlive(owner.pid)) problems.push(`lock left behind by live pid ${owner.pid}`);
	}
	expect(problems, scenario).toEqual([]);
	return current ?? 'none';
}

/**
 * The "no lying" check: where the run says the host ended (`· gen N` on its last line, the
 * host's end; the summary counts ok hosts on one line) is where its `current` is. Every
 * scenario's last run is held to it.
 */
function assertTruthful(output: string, host: string, root: string): void {
	const line = output.split('\n').filter((each) => each.startsWith(`[${host}] `) && /· (gen \d+|no generation)$/.test(each)).at(-1);
	expect(line, `${host} has a line saying where it ended`).toBeDefined();
	const said = /· (?:gen (\d+)|no generation)$/.exec(line!);
	expect(said, `${host}'s summary says where it is: ${line}`).not.toBeNull();
	const link = path.join(root, 'current');
	const actual = existsSync(link) ? readlinkSync(link).replace('generations/', '') : null;
	expect(said![1] ?? null, `${host}: ${line}`).toBe(actual);
}

const watchdogScripts = (root: string): string[] => (existsSync(path.join(root, '.watchdog')) ? readdirSync(path.join(root, '.watchdog')).filter((name) => name.endsWith('.sh')) : []);

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** The CLI as a child whose output can be waited on, to strike at a precise moment. */
function startCli(deploy: SshDeployFleet, fleet: Fleet, args: string[]) {
	const child = spawn('node', [cli, ...args, '--config', deploy.config, '--ssh-config', fleet.sshConfigFile], {
		cwd: fleet.dir,
		env: { ...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: fleet.dir },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	const waiters: { pattern: RegExp; resolve: () => void }[] = [];
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
		for (const waiter of waiters.filter((entry) => entry.pattern.test(stdout))) {
			waiters.splice(waiters.indexOf(waiter), 1);
			waiter.resolve();
		}
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
	// A scenario that hangs says what the CLI had printed, instead of only that the test timed out.
	const within = <T,>(promise: Promise<T>, what: string): Promise<T> => {
		const bounded = Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen in 100 s; the CLI printed:\n${stdout}\n${stderr}`)), 100_000).unref())]);
		// Handled here too: a scenario that failed before awaiting it must not see it reject later.
		bounded.catch(() => undefined);
		return bounded;
	};
	return {
		child,
		done: within(exited, 'the CLI exiting'),
		waitFor: (pattern: RegExp) => within(pattern.test(stdout) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pattern, resolve })), `output matching ${pattern}`),
	};
}

describe.runIf(requireSshd('fault suite'))('fault suite: no fault leaves a host half-switched, locked or silently broken', () => {
	let fleet: Fleet;
	let deploy: SshDeployFleet;
	const root = (name: string) => fleet.host(name).root;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: hostNames.map((name) => ({ name })) });
		// Slow phases on the int-* hosts so Ctrl-C lands inside the phase it aims at.
		const slow: Record<string, string> = {
			'int-preflight': 'dry_run = "sleep 2"',
			'int-switch': 'after_switch = ["sleep 2"]',
			'int-validate': 'health = { command = "sleep 1", retries = 0 }',
			rollback: 'health = { command = "test ! -f data/sick", retries = 2 }',
			// A short validation keeps the watchdog's deadline (validation + confirm_timeout) short.
			// While {root}/hold exists the health check holds the host in validation: the test strikes then.
			swap: 'health = { command = "while [ -f {root}/hold ]; do sleep 0.05; done", timeout = 8, retries = 0 }',
			disk: 'min_free_mb = 999999999',
			'big-line': `after_switch = ["head -c 1048576 /dev/zero | tr '\\\\000' x; echo"]`,
			// #11.1: a restart slower than confirm_timeout must not let the watchdog revert a good switch.
			'slow-restart': 'restart = "sleep 8"\nconfirm_timeout = 5\nhealth = { command = "true", retries = 0 }',
			// #11.1: a confirmation that comes after the watchdog decided is a failure. With stop-logins
			// there, the switch itself stops the host's sshd listener, so the confirming login (which
			// starts once the switch is done) hangs; in validation it could be accepted before the stop.
			'late-confirm': `after_switch = ["[ ! -f {root}/stop-logins ] || kill -STOP ${fleet.host('late-confirm').pid}"]\nhealth = { command = "true", retries = 0, timeout = 1 }`,
			// #11.2: the watchdog of a killed run must not undo the next deploy.
			'killed-run': 'health = { command = "sleep 2", retries = 0, timeout = 20 }\nconfirm_timeout = 5',
			// #11.6: a health check that never ends is killed on the host, every time.
			'hang-health': `health = { command = "${naps[617]}", timeout = 1, retries = 1, interval = 0.1 }`,
			kill9: `dry_run = "if [ -f stall ]; then ${naps[618]}; fi"`,
			// #14: a one-round-trip rollback killed while its switch activates (the stall file holds it there).
			// A short validation keeps the watchdog's deadline (validation + confirm_timeout) short.
			'kill9-rollback': 'after_switch = ["[ ! -f {root}/stall-switch ] || sleep 3"]\nhealth = { command = "true", retries = 0, timeout = 2 }',
		};
		deploy = await sshDeployFleet(fleet, { extra: '', hostExtra: slow });
		writeFileSync(deploy.config, readFileSync(deploy.config, 'utf8').replace('[defaults]\n', '[defaults]\nconfirm_timeout = 2\n'));
		const first = await deploy.run('deploy', '--yes');
		expect(first.stderr).toBe('');
		// disk is refused; hang-health's first deploy has nothing to roll back to.
		expect(first.stdout).toContain(`Summary: ‼ 1 manual intervention · ✗ 1 failed · ✓ ${hostNames.length - 2} ok (${hostNames.length} hosts)`);
		for (const name of hostNames) assertTruthful(first.stdout, name, root(name));
	}, 180_000);

	afterAll(async () => {
		if (fleet) await stopFleetServices(fleet);
		await fleet?.stop();
	});

	it('sshd killed mid-upload: host fails with the reason, current unchanged, partial and stale lock dealt with next run', async () => {
		const config = readFileSync(deploy.config, 'utf8');
		writeFileSync(deploy.config, config.replace(/command = "(node [^"]*) dist"/, 'command = "$1 dist && head -c 96000000 /dev/urandom > dist/blob.bin"'));
		try {
			const run = startCli(deploy, fleet, ['deploy', '--yes', '--host', 'upload']);
			await run.waitFor(/\[upload\] ▸ upload/);
			// Strike once the host is writing the new generation.
			const partial = path.join(root('upload'), 'generations', '2.partial');
			await waitFor(() => existsSync(partial), 'the partial generation on the host');
			fleet.pause('upload');
			await fleet.kill('upload');
			const result = await run.done;
			expect(result.code).toBe(1);
			expect(result.stdout).toMatch(/✗ upload +failed — upload of generation 2 failed: connection lost/);
			await fleet.restart('upload');
			expect(readdirSync(path.join(root('upload'), 'generations'))).toContain('2.partial');
			const refused = await deploy.run('deploy', '--yes', '--host', 'upload');
			expect(refused.stdout).toMatch(/✗ upload +failed — locked by .* — stale: process \d+ on .* is gone; --break-lock removes it/);
			const again = await deploy.run('deploy', '--yes', '--host', 'upload', '--break-lock');
			expect(again.exitCode).toBe(0);
			expect(readdirSync(path.join(root('upload'), 'generations')).filter((name) => name.endsWith('.partial'))).toEqual([]);
			outcomes.push(['sshd killed mid-upload', `failed ("connection lost"); next run: stale lock reported, --break-lock → current ${assertInvariant(root('upload'), 'upload')}`]);
		} finally {
			writeFileSync(deploy.config, config);
		}
	}, 120_000);

	it('sshd killed right after the swap: the watchdog reverts', async () => {
		writeFileSync(path.join(root('swap'), 'hold'), '');
		const run = startCli(deploy, fleet, ['deploy', '--yes', '--host', 'swap']);
		await run.waitFor(/\[swap\] ▸ validate/);
		await fleet.kill('swap');
		rmSync(path.join(root('swap'), 'hold'));
		// The engine can't reach the host any more and waits out the watchdog; the host comes back meanwhile.
		await run.waitFor(/\[swap\] .*waiting for the watchdog to revert to generation 1/);
		await fleet.restart('swap');
		const result = await run.done;
		expect(result.stderr).toBe('');
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(/↺ swap +rolled back — .*(connection lost|new logins failed).*; reverted by watchdog to generation 1/);
		// The watchdog ran on the host while we could not reach it.
		await waitFor(() => readlinkSync(path.join(root('swap'), 'current')) === 'generations/1', 'the watchdog to put current back on 1');
		expect(readlinkSync(path.join(root('swap'), 'current'))).toBe('generations/1');
		expect(deploy.switchesLog('swap').at(-1)?.slice(2, 5)).toEqual(['2', '1', 'watchdog-revert']);
		const next = await deploy.run('deploy', '--yes', '--host', 'swap', '--break-lock');
		expect(next.stdout).toMatch(/\[swap\] reverted by watchdog at \S+: switch \S+ was never confirmed/);
		outcomes.push(['sshd killed after the swap', `watchdog reverted to 1 ("reverted by watchdog" reported next run); now ${assertInvariant(root('swap'), 'swap')}`]);
	}, 120_000);

	it('health check failing: automatic rollback', async () => {
		writeFileSync(path.join(root('health'), 'shared', 'data', 'break-new'), '');
		const result = await deploy.run('deploy', '--yes', '--host', 'health');
		expect(result.stdout).toMatch(/↺ health +rolled back — GET .*HTTP 500: .*; rolled back to generation 1/);
		expect(deploy.switchesLog('health').slice(-2).map((line) => line[4])).toEqual(['deploy', 'auto-rollback']);
		rmSync(path.join(root('health'), 'shared', 'data', 'break-new'));
		outcomes.push(['health check failing', `rolled back to ${assertInvariant(root('health'), 'health')}`]);
	});

	it('the rollback itself failing: manual intervention reported', async () => {
		writeFileSync(path.join(root('rollback'), 'shared', 'data', 'sick'), '');
		const result = await deploy.run('deploy', '--yes', '--host', 'rollback');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/‼ rollback +MANUAL INTERVENTION REQUIRED — .*switched back to generation 1, and generation 1 fails its health check too/);
		outcomes.push(['rollback failing too', `manual intervention reported; current ${assertInvariant(root('rollback'), 'rollback')}`]);
	});

	it('disk too small: refused in preflight', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'disk');
		expect(result.stdout).toMatch(/✗ disk +failed — disk full: .* free under .*, need/);
		expect(existsSync(path.join(root('disk'), 'current'))).toBe(false);
		expect(existsSync(path.join(root('disk'), '.lock'))).toBe(false);
		outcomes.push(['disk too small', `refused in preflight; current ${assertInvariant(root('disk'), 'disk')}`]);
	});

	it('lock held by a live owner: refused with the owner, others proceed', async () => {
		mkdirSync(path.join(root('live-lock'), '.lock'));
		writeFileSync(path.join(root('live-lock'), '.lock', 'owner.json'), JSON.stringify({ operator: 'dana@other-console', machine: 'other-console', pid: 77, runId: 'r-live', startedAt: new Date().toISOString() }));
		const result = await deploy.run('deploy', '--yes', '--host', 'live-lock', '--host', 'health');
		expect(result.stdout).toMatch(/✗ live-lock +failed — locked by dana@other-console \(pid 77, run r-live\) since \S+, 0 min ago\n/);
		expect(result.stdout).toMatch(/\[health\] ✓ ok/);
		expect(JSON.parse(readFileSync(path.join(root('live-lock'), '.lock', 'owner.json'), 'utf8')).runId).toBe('r-live');
		outcomes.push(['lock held by a live owner', `refused with the owner named; lock kept; current ${assertInvariant(root('live-lock'), 'live-lock')}`]);
	});

	it('stale lock: reported stale, removed with --break-lock', async () => {
		mkdirSync(path.join(root('stale-lock'), '.lock'));
		writeFileSync(path.join(root('stale-lock'), '.lock', 'owner.json'), JSON.stringify({ operator: 'eve@here', machine: hostname(), pid: 999_999, runId: 'r-dead', startedAt: new Date().toISOString() }));
		const refused = await deploy.run('deploy', '--yes', '--host', 'stale-lock');
		expect(refused.stdout).toMatch(/stale: process 999999 on \S+ is gone; --break-lock removes it/);
		const broken = await deploy.run('deploy', '--yes', '--host', 'stale-lock', '--break-lock');
		expect(broken.exitCode).toBe(0);
		expect(deploy.switchesLog('stale-lock').find((line) => line[4] === 'break-lock')?.[5]).toContain('r-dead');
		outcomes.push(['stale lock', `reported stale; --break-lock (logged) → current ${assertInvariant(root('stale-lock'), 'stale-lock')}`]);
	});

	const interrupts: [string, RegExp, boolean][] = [
		['build', /\[build\] ▸ build/, false],
		['preflight', /\[int-preflight\] \$ sleep 2/, false],
		['upload', /\[int-upload\] ▸ upload/, false],
		['switch', /\[int-switch\] ▸ switch/, true],
		['validate', /\[int-validate\] ▸ validate/, true],
	];
	for (const [phase, moment, switches] of interrupts) {
		it(`Ctrl-C during ${phase}: ${switches ? 'the switch in flight finishes' : 'nothing changes, nothing stays locked'}`, async () => {
			const host = `int-${phase}`;
			const before = readlinkSync(path.join(root(host), 'current'));
			const config = readFileSync(deploy.config, 'utf8');
			if (phase === 'build') writeFileSync(deploy.config, config.replace(/command = "node /, 'command = "sleep 2 && node '));
			// A big artifact keeps the upload going long enough to be interrupted inside it.
			if (phase === 'upload') writeFileSync(deploy.config, config.replace(/command = "(node [^"]*) dist"/, 'command = "$1 dist && head -c 96000000 /dev/urandom > dist/blob.bin"'));
			try {
				const run = startCli(deploy, fleet, ['deploy', '--yes', '--host', host]);
				await run.waitFor(moment);
				run.child.kill('SIGINT');
				const result = await run.done;
				expect(result.code).toBe(130);
				const after = readlinkSync(path.join(root(host), 'current'));
				if (switches) expect(after).not.toBe(before);
				else expect(after).toBe(before);
				expect(readdirSync(path.join(root(host), 'generations')).filter((name) => name.endsWith('.partial'))).toEqual([]);
				expect(existsSync(path.join(root(host), '.lock'))).toBe(false);
				outcomes.push([`Ctrl-C during ${phase}`, `${switches ? 'switch finished' : 'cancelled, nothing changed'}; lock released; current ${assertInvariant(root(host), host)}`]);
			} finally {
				writeFileSync(deploy.config, config);
			}
		}, 60_000);
	}

	it('host key changed mid-fleet: that host refused even with --accept-new-host-keys, others proceed', async () => {
		const knownHosts = readFileSync(fleet.knownHostsFile, 'utf8');
		const port = fleet.host('key').port;
		const otherKey = fleet.knownHostsLines('health')[0]!.split(' ').slice(1).join(' ');
		writeFileSync(fleet.knownHostsFile, knownHosts.split('\n').map((line) => (line.startsWith(`[127.0.0.1]:${port} `) ? `[127.0.0.1]:${port} ${otherKey}` : line)).join('\n'));
		try {
			const result = await deploy.run('deploy', '--yes', '--host', 'key', '--host', 'big-line', '--accept-new-host-keys');
			expect(result.stdout).toMatch(/✗ key +failed — host key for .* changed!/);
			expect(result.stdout).toMatch(/\[big-line\] ✓ ok/);
			expect(readlinkSync(path.join(root('key'), 'current'))).toBe('generations/1');
			outcomes.push(['host key changed', `refused loudly, not overridable; current ${assertInvariant(root('key'), 'key')}`]);
		} finally {
			writeFileSync(fleet.knownHostsFile, knownHosts);
		}
	});

	it('unreachable host: connection refused, the others proceed', async () => {
		const config = readFileSync(deploy.config, 'utf8');
		writeFileSync(deploy.config, config.replace('ssh = "disk"', 'ssh = "root@127.0.0.1:1"'));
		try {
			const result = await deploy.run('deploy', '--yes', '--host', 'disk', '--host', 'health');
			expect(result.stdout).toMatch(/✗ disk +failed — connection refused/);
			expect(result.stdout).toMatch(/\[health\] ✓ ok/);
			outcomes.push(['unreachable host', 'failed with "connection refused"; others deployed']);
		} finally {
			writeFileSync(deploy.config, config);
		}
	});

	it('shell metacharacters in names: rejected before anything runs', async () => {
		const config = readFileSync(deploy.config, 'utf8');
		writeFileSync(deploy.config, config.replace('services = ["demo"]', 'services = ["demo; touch /tmp/pwned-by-switchyard"]'));
		try {
			const result = await deploy.run('deploy', '--yes');
			expect(result.exitCode).toBe(2);
			expect(result.stderr).toMatch(/hosts.toml:\d+: defaults.services\[0\]: a service name must be/);
			expect(existsSync('/tmp/pwned-by-switchyard')).toBe(false);
			outcomes.push(['shell metacharacters in config', 'rejected with file:line, exit 2, nothing ran']);
		} finally {
			writeFileSync(deploy.config, config);
		}
	});

	it('a command printing 1 MB on one line', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'big-line');
		expect(result.exitCode).toBe(0);
		const runDir = /Run recorded in (\S+)/.exec(result.stdout)![1]!;
		const longest = Math.max(...readFileSync(path.join(runDir, 'hosts', 'big-line.log'), 'utf8').split('\n').map((line) => line.length));
		expect(longest).toBeGreaterThan(1_048_576);
		outcomes.push(['1 MB on one line', `deployed; line kept whole in the host log; current ${assertInvariant(root('big-line'), 'big-line')}`]);
	});
	it('a restart slower than confirm_timeout: the watchdog waits for it, the switch is ok and stays', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'slow-restart');
		expect(result.exitCode).toBe(0);
		expect(result.stdout).toMatch(/\[slow-restart\] ✓ ok · gen 2/);
		await waitFor(() => watchdogScripts(root('slow-restart')).length === 0, 'the watchdog to end');
		expect(readlinkSync(path.join(root('slow-restart'), 'current'))).toBe('generations/2');
		expect(deploy.switchesLog('slow-restart').map((line) => line[4])).not.toContain('watchdog-revert');
		assertTruthful(result.stdout, 'slow-restart', root('slow-restart'));
		outcomes.push(['restart slower than confirm_timeout', `ok, watchdog never reverted; current ${assertInvariant(root('slow-restart'), 'slow-restart')}`]);
	}, 120_000);

	it('a confirmation that arrives after the watchdog reverted is reported as the revert it is', async () => {
		const listener = fleet.host('late-confirm').pid!;
		writeFileSync(path.join(root('late-confirm'), 'stop-logins'), '');
		const run = startCli(deploy, fleet, ['deploy', '--yes', '--host', 'late-confirm']);
		try {
			// The switch stops new logins; the watchdog's window passes while the confirming login waits.
			await waitFor(() => existsSync(path.join(root('late-confirm'), '.watchdog')) && readdirSync(path.join(root('late-confirm'), '.watchdog')).some((name) => name.endsWith('.reverted')), 'the watchdog to revert');
		} finally {
			rmSync(path.join(root('late-confirm'), 'stop-logins'), { force: true });
			process.kill(listener, 'SIGCONT');
		}
		const result = await run.done;
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(/↺ late-confirm +rolled back — the confirmation of generation 2 came too late.*reverted by watchdog to generation 1 · gen 1/);
		expect(result.stdout).not.toMatch(/\[late-confirm\] ✓ ok/);
		expect(readlinkSync(path.join(root('late-confirm'), 'current'))).toBe('generations/1');
		assertTruthful(result.stdout, 'late-confirm', root('late-confirm'));
		const next = await deploy.run('deploy', '--yes', '--host', 'late-confirm');
		expect(next.exitCode).toBe(0);
		assertTruthful(next.stdout, 'late-confirm', root('late-confirm'));
		outcomes.push(['confirmation after a watchdog revert', `reported rolled back (never ok); next deploy ok; current ${assertInvariant(root('late-confirm'), 'late-confirm')}`]);
	}, 120_000);

	it('the watchdog of a killed run never undoes the next deploy', async () => {
		const run = startCli(deploy, fleet, ['deploy', '--yes', '--host', 'killed-run']);
		await run.waitFor(/\[killed-run\] ⇄ switched 1 → 2 \(deploy\)/);
		run.child.kill('SIGKILL');
		await run.done;
		const next = await deploy.run('deploy', '--yes', '--host', 'killed-run', '--break-lock');
		expect(next.exitCode).toBe(0);
		expect(next.stdout).toMatch(/\[killed-run\] ✓ ok · gen 3/);
		// Every watchdog has decided; none of them put the host back.
		await waitFor(() => watchdogScripts(root('killed-run')).length === 0, 'every watchdog to end');
		expect(readlinkSync(path.join(root('killed-run'), 'current'))).toBe('generations/3');
		const log = deploy.switchesLog('killed-run').filter((line) => line[4] !== 'break-lock');
		expect(log.at(-1)?.slice(3, 5)).toEqual(['3', 'deploy']);
		assertTruthful(next.stdout, 'killed-run', root('killed-run'));
		outcomes.push(['watchdog of a killed run', `disarmed or done before the next deploy; current ${assertInvariant(root('killed-run'), 'killed-run')}`]);
	}, 120_000);

	it('a health check that never ends is killed on the host each time, and the run ends', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'hang-health');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain(`${naps[617]}: timed out`);
		await waitFor(() => processesWith(naps[617]).length === 0, 'the health checks to be killed on the host');
		assertTruthful(result.stdout, 'hang-health', root('hang-health'));
		outcomes.push(['health check that never ends', `timed out, killed on the host; current ${assertInvariant(root('hang-health'), 'hang-health')}`]);
	}, 120_000);

	it('kill -9 of the CLI in a one-round-trip rollback: the host finishes the switch, releases the lock, and the unconfirmed switch is undone by its watchdog', async () => {
		const host = 'kill9-rollback';
		const second = await deploy.run('deploy', '--yes', '--host', host);
		expect(second.exitCode).toBe(0);
		expect(readlinkSync(path.join(root(host), 'current'))).toBe('generations/2');
		writeFileSync(path.join(root(host), 'stall-switch'), '');
		try {
			const run = startCli(deploy, fleet, ['rollback', '--yes', '--host', host]);
			// The switch runs in the lock's round trip: this line comes as the host's guard lets it go on.
			await run.waitFor(new RegExp(`\\[${host}\\] ▸ switch`));
			await waitFor(() => readlinkSync(path.join(root(host), 'current')) === 'generations/1', 'the switch to move current');
			run.child.kill('SIGKILL');
			await run.done;
		} finally {
			rmSync(path.join(root(host), 'stall-switch'), { force: true });
		}
		// Nobody confirms: the host finishes activating, releases the lock, and the watchdog puts generation 2 back.
		await waitFor(() => !existsSync(path.join(root(host), '.lock')), 'the host to release the lock');
		await waitFor(() => readlinkSync(path.join(root(host), 'current')) === 'generations/2' && watchdogScripts(root(host)).length === 0, 'the watchdog to revert to generation 2');
		expect(deploy.switchesLog(host).slice(-2).map((line) => line.slice(2, 5))).toEqual([
			['2', '1', 'rollback'],
			['1', '2', 'watchdog-revert'],
		]);
		// The killed run's record lists the host as it was before: the next rollback sees it changed and asks again.
		// (Generation 1 is `reverted` now, so "previous" would refuse it: it is named.)
		const next = await deploy.run('rollback', '--yes', '--host', host, '--to', '1');
		expect(next.exitCode, next.stdout).toBe(0);
		expect(next.stdout).toMatch(new RegExp(`\\[${host}\\] reverted by watchdog at \\S+`));
		expect(next.stdout).toContain(`[${host}] the host changed since its generations were listed`);
		expect(readlinkSync(path.join(root(host), 'current'))).toBe('generations/1');
		assertTruthful(next.stdout, host, root(host));
		outcomes.push(['kill -9 in a one-trip rollback', `switch finished, lock released, watchdog reverted; next rollback ok; current ${assertInvariant(root(host), host)}`]);
	}, 120_000);

	it('kill -9 of the CLI over SSH: the host releases the lock and stops the command', async () => {
		writeFileSync(path.join(root('kill9'), 'stall'), '');
		try {
			const run = startCli(deploy, fleet, ['deploy', '--yes', '--host', 'kill9']);
			await waitFor(() => processesWith(naps[618]).length > 0 && existsSync(path.join(root('kill9'), '.lock')), 'the dry run to hold the lock');
			run.child.kill('SIGKILL');
			await run.done;
			await waitFor(() => !existsSync(path.join(root('kill9'), '.lock')), 'the host to release the lock');
			await waitFor(() => processesWith(naps[618]).length === 0, 'the dry run to be stopped');
		} finally {
			rmSync(path.join(root('kill9'), 'stall'), { force: true });
		}
		const next = await deploy.run('deploy', '--yes', '--host', 'kill9');
		expect(next.exitCode).toBe(0);
		assertTruthful(next.stdout, 'kill9', root('kill9'));
		outcomes.push(['kill -9 of the CLI', `lock released and command stopped by the host; next deploy ok; current ${assertInvariant(root('kill9'), 'kill9')}`]);
	}, 120_000);
});

/**
 * Hosts as they really are (#24): root without sudo, no way in at all, a root the deployment's user
 * cannot reach, a health check's deadline under garbage collection, a secret echoed by dash, a
 * hostile generation.json. Same invariant, same "no lying" check, same table.
 */
describe.runIf(requireSshd('fault suite (#24)') && canCreateUsers())('fault suite: hosts as they really are', () => {
	let fleet: Fleet;
	let deploy: SshDeployFleet;
	let base: string;
	let user: OsUser;
	const root = (name: string) => fleet.host(name).root;
	const secret = 'pa$$w"rd`x\\\\y-7c1e';

	beforeAll(async () => {
		base = reachableTempDir('faults-real-');
		user = createUser('sy-fault');
		const locked = path.join(base, 'locked');
		mkdirSync(locked, { mode: 0o700 });
		chmodSync(locked, 0o700);
		fleet = await startFleet({
			dir: path.join(base, 'ssh'),
			hosts: [
				{ name: 'no-sudo', env: { PATH: pathWithout(base, ['sudo']) } },
				{ name: 'no-way-in', env: { PATH: pathWithout(base, ['sudo', 'runuser', 'setpriv']) } },
				{ name: 'blocked-root' },
				{ name: 'gc-health' },
				{ name: 'secret-echo' },
				{ name: 'hostile-meta' },
			],
		});
		const owned = `user = "${user.name}"`;
		deploy = await sshDeployFleet(fleet, {
			hostExtra: {
				'no-sudo': owned,
				'no-way-in': owned,
				'blocked-root': `${owned}\nroot = "${locked}/blocked-root"`,
				// While {root}/hang-gen names the generation being validated, its check never ends.
				'gc-health': `command_timeout = 30\nhealth = { command = "[ \\"$(cat {root}/hang-gen 2>/dev/null)\\" != \\"$(basename \\"$(pwd -P)\\")\\" ] || sleep 31331", timeout = 2, retries = 1, interval = 1 }`,
				// dash's echo takes backslashes of the .env line away again.
				'secret-echo': 'after_switch = ["echo \\"$(grep TOKEN .env)\\""]',
			},
			extra: `[env]\nTOKEN = { value = ${JSON.stringify(secret)}, secret = true }\n`,
		});
		const first = await deploy.run('deploy', '--yes');
		expect(first.stderr).toBe('');
		expect(first.stdout).toContain('Summary: ✗ 2 failed · ✓ 4 ok (6 hosts)');
		for (const host of fleet.hosts) assertTruthful(first.stdout, host.name, root(host.name));
	}, 240_000);

	afterAll(async () => {
		if (fleet) await stopFleetServices(fleet);
		await fleet?.stop();
		removeUser(user);
		if (base) rmSync(base, { recursive: true, force: true });
	});

	it('root without sudo: the deployment user\'s service runs as it, through runuser', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'no-sudo');
		expect(result.exitCode, result.stdout).toBe(0);
		expect(result.stdout).not.toContain('sudo: not found');
		const pid = Number(readFileSync(path.join(root('no-sudo'), 'shared', 'run', 'demo.pid'), 'utf8'));
		expect(statSync(`/proc/${pid}`).uid).toBe(user.uid);
		assertTruthful(result.stdout, 'no-sudo', root('no-sudo'));
		outcomes.push(['root login, no sudo installed', `deployed; service restarted as ${user.name} through runuser; current ${assertInvariant(root('no-sudo'), 'no-sudo')}`]);
	}, 120_000);

	it('no way in at all: refused in preflight, naming the tools, nothing staged', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'no-way-in');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/✗ no-way-in +failed — preflight: cannot act as \S+ \(user = "\S+"\): logged in as root, and none of runuser, setpriv, sudo is installed/);
		expect(existsSync(path.join(root('no-way-in'), 'generations')) ? readdirSync(path.join(root('no-way-in'), 'generations')) : []).toEqual([]);
		assertTruthful(result.stdout, 'no-way-in', root('no-way-in'));
		outcomes.push(['no runuser, setpriv or sudo', `refused in preflight naming them, nothing staged; current ${assertInvariant(root('no-way-in'), 'no-way-in')}`]);
	}, 120_000);

	it('a root the user cannot reach: refused in preflight, naming the directory', async () => {
		const blocked = path.join(base, 'locked', 'blocked-root');
		const result = await deploy.run('deploy', '--yes', '--host', 'blocked-root');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toContain(`cannot reach the root ${blocked} (user = "${user.name}"): ${path.join(base, 'locked')} (drwx------ root:root) does not let it in`);
		expect(existsSync(path.join(blocked, 'current'))).toBe(false);
		outcomes.push(['root under a 0700 dir', `refused in preflight naming ${path.basename(path.join(base, 'locked'))}/, nothing switched; current ${assertInvariant(blocked, 'blocked-root')}`]);
	}, 120_000);

	it('a per-host health timeout holds while memory is collected: 2 s per attempt, not command_timeout', async () => {
		const next = (deploy.current('gc-health') ?? 0) + 1;
		writeFileSync(path.join(root('gc-health'), 'hang-gen'), `${next}\n`);
		// The CLI collects garbage every 20 ms: a deadline only a timer refers to must still fire.
		const run = await execa('node', ['--expose-gc', '--import', 'data:text/javascript,setInterval(()=>gc(),20).unref()', cli, 'deploy', '--yes', '--host', 'gc-health', '--config', deploy.config, '--ssh-config', fleet.sshConfigFile], {
			reject: false,
			stdin: 'ignore',
			cwd: fleet.dir,
			env: { NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: fleet.dir },
		});
		const stdout = String(run.stdout);
		expect(run.exitCode, stdout).toBe(1);
		expect(stdout).toMatch(/\[gc-health\] health: .*sleep 31331: timed out \(attempt 1\/2\)\n/);
		expect(stdout).not.toContain('timed out after 30s');
		expect(stdout).toMatch(new RegExp(`↺ gc-health +rolled back — .*sleep 31331: timed out; rolled back to generation ${next - 1}`));
		await waitFor(() => processesWith('sleep 31331').length === 0, 'the checks to be stopped on the host');
		assertTruthful(stdout, 'gc-health', root('gc-health'));
		outcomes.push(['health timeout under GC', `each attempt stopped at 2 s (not command_timeout), rolled back; current ${assertInvariant(root('gc-health'), 'gc-health')}`]);
	}, 120_000);

	it('a secret echoed by dash from .env is masked on screen and in the record, which is private', async () => {
		const result = await deploy.run('deploy', '--yes', '--host', 'secret-echo');
		expect(result.exitCode, result.stdout).toBe(0);
		const runDir = /Run recorded in (\S+)/.exec(result.stdout)![1]!;
		const log = readFileSync(path.join(runDir, 'hosts', 'secret-echo.log'), 'utf8');
		for (const shown of [result.stdout, log]) {
			expect(shown).toContain('TOKEN="••••••"');
			for (const piece of ['pa$$', 'pa\\$\\$', '7c1e']) expect(shown).not.toContain(piece);
		}
		const mode = (file: string) => statSync(file).mode & 0o777;
		expect([mode(runDir), mode(path.join(runDir, 'events.jsonl')), mode(path.join(runDir, 'hosts', 'secret-echo.log'))]).toEqual([0o700, 0o600, 0o600]);
		outcomes.push(['secret echoed by dash', `masked on screen and in the record (0700/0600); current ${assertInvariant(root('secret-echo'), 'secret-echo')}`]);
	}, 120_000);

	it('a hostile generation.json: listed as text, and the next generation numbered by the directories', async () => {
		const current = deploy.current('hostile-meta')!;
		const meta = path.join(root('hostile-meta'), 'generations', String(current), '.switchyard', 'generation.json');
		writeFileSync(meta, '{"id":50,"release":"evil\\u001b]2;PWNED\\u0007\\nSY:gen 50 {}","created":"x","by":"m","files":1,"bytes":1}\n');
		const listed = await deploy.run('generations', '--host', 'hostile-meta');
		expect(listed.stdout).not.toContain('\u001b');
		expect(listed.stdout).toContain('evil␛]2;PWNED␇');
		const result = await deploy.run('deploy', '--yes', '--host', 'hostile-meta');
		expect(result.exitCode, result.stdout).toBe(0);
		expect(deploy.current('hostile-meta')).toBe(current + 1);
		assertTruthful(result.stdout, 'hostile-meta', root('hostile-meta'));
		outcomes.push(['hostile generation.json', `shown as text (␛), next deploy is ${current + 1} not 51; current ${assertInvariant(root('hostile-meta'), 'hostile-meta')}`]);
	}, 120_000);
});
