import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { sshDeployFleet, stopFleetServices, type SshDeployFleet } from '../support/ssh-fleet-config.js';

describe.runIf(requireSshd('deploy over ssh'))('deploying over SSH to a real sshd fleet', () => {
	let fleet: Fleet;
	let deploy: SshDeployFleet;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'fleet-1' }, { name: 'fleet-2' }, { name: 'fleet-3' }, { name: 'fleet-4' }, { name: 'fleet-5', maxSessions: 2 }] });
		deploy = await sshDeployFleet(fleet);
	});
	afterAll(async () => {
		if (fleet) await stopFleetServices(fleet);
		await fleet?.stop();
	});

	it('deploys to 5 hosts in parallel (one with MaxSessions 2), restarts, checks health, rolls 2 back', async () => {
		for (let run = 1; run <= 2; run += 1) {
			const result = await deploy.run('deploy', '--yes');
			expect(result.stderr).toBe('');
			expect(result.stdout).not.toContain('Channel open failure');
			expect(result.exitCode, result.stdout).toBe(0);
			expect(result.stdout).toContain('Summary: ✓ 5 ok (5 hosts)');
		}
		for (const [index, host] of fleet.hosts.entries()) {
			expect(deploy.current(host.name)).toBe(2);
			const generation = path.join(host.root, 'generations', '2');
			execSync('sha256sum -c --quiet --strict .switchyard/manifest.sha256', { cwd: generation });
			const release = JSON.parse(readFileSync(path.join(generation, '.switchyard', 'generation.json'), 'utf8')).release;
			expect(await (await fetch(`http://127.0.0.1:${deploy.ports[index]}/health`)).text()).toBe(`ok ${release} generation 2\n`);
		}
		const rollback = await deploy.run('rollback', '--to', '1', '--host', 'fleet-2', '--host', 'fleet-4', '--yes');
		expect(rollback.exitCode, rollback.stdout).toBe(0);
		expect(fleet.hosts.map((host) => deploy.current(host.name))).toEqual([2, 1, 2, 1, 2]);
		expect(await (await fetch(`http://127.0.0.1:${deploy.ports[1]}/health`)).text()).toContain('generation 1');
		expect(deploy.switchesLog('fleet-4').at(-1)?.slice(2, 5)).toEqual(['2', '1', 'rollback']);
		const listed = await deploy.run('generations', '--host', 'fleet-4');
		expect(listed.stdout).toMatch(/\* 1 .*\(current\)/);
	});

	it('refuses an unknown host key with its fingerprint, then accepts it with --accept-new-host-keys', async () => {
		const knownHosts = readFileSync(fleet.knownHostsFile, 'utf8');
		const port = fleet.host('fleet-3').port;
		writeFileSync(fleet.knownHostsFile, knownHosts.split('\n').filter((line) => !line.startsWith(`[127.0.0.1]:${port} `)).join('\n'));
		try {
			const refused = await deploy.run('deploy', '--yes', '--host', 'fleet-3', '--host', 'fleet-1');
			expect(refused.exitCode, refused.stdout).toBe(1);
			expect(refused.stdout).toMatch(/✗ fleet-3 +failed — .*SHA256:[A-Za-z0-9+/]{43}.*--accept-new-host-keys/);
			expect(deploy.current('fleet-3')).toBe(2);
			expect(deploy.current('fleet-1')).toBe(3);

			const accepted = await deploy.run('deploy', '--yes', '--host', 'fleet-3', '--accept-new-host-keys');
			expect(accepted.exitCode, accepted.stdout).toBe(0);
			expect(accepted.stderr).toMatch(/switchyard: Permanently added \[127\.0\.0\.1\]:\d+ \(\S+ SHA256:\S+\)/);
			expect(readFileSync(fleet.knownHostsFile, 'utf8')).toContain(`[127.0.0.1]:${port} `);
		} finally {
			writeFileSync(fleet.knownHostsFile, knownHosts);
		}
	});

	it('deploys through a jump host, each hop verified', async () => {
		const jumpConfig = path.join(fleet.dir, 'ssh_config.jump');
		const inner = fleet.host('fleet-5');
		writeFileSync(
			jumpConfig,
			[readFileSync(fleet.sshConfigFile, 'utf8'), 'Host behind-bastion', '  HostName 127.0.0.1', `  Port ${inner.port}`, `  User ${inner.user}`, `  IdentityFile ${fleet.userKeyFile}`, `  UserKnownHostsFile ${fleet.knownHostsFile}`, '  ProxyJump fleet-1', ''].join('\n'),
		);
		const viaJump = await sshDeployFleet(fleet, { sshConfig: jumpConfig });
		writeFileSync(viaJump.config, readFileSync(viaJump.config, 'utf8').replace('ssh = "fleet-5"', 'ssh = "behind-bastion"'));
		const result = await viaJump.run('deploy', '--yes', '--host', 'fleet-5');
		expect(result.exitCode, result.stdout).toBe(0);
		expect(readFileSync(fleet.host('fleet-1').logFile, 'utf8')).toMatch(/direct-tcpip|Accepted publickey/);
	});

	it('fails fast with "connection refused" when nothing listens', async () => {
		const nowhere = await sshDeployFleet(fleet, { hostExtra: { 'fleet-2': '' } });
		writeFileSync(nowhere.config, readFileSync(nowhere.config, 'utf8').replace('ssh = "fleet-2"', 'ssh = "root@127.0.0.1:1"'));
		const started = Date.now();
		const result = await nowhere.run('deploy', '--yes', '--host', 'fleet-2', '--phases', 'preflight');
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(result.exitCode, result.stdout).toBe(1);
		expect(result.stdout).toMatch(/✗ fleet-2 +failed — connection refused/);
	});
});
