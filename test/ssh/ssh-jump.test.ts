import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SshTransport } from '../../source/transport/ssh.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';

describe.runIf(requireSshd('ssh jump hosts'))('ProxyJump through a real sshd bastion', () => {
	let fleet: Fleet;
	let config: string;

	beforeAll(async () => {
		fleet = await startFleet({ hosts: [{ name: 'bastion' }, { name: 'inner' }] });
		const bastion = fleet.host('bastion');
		const inner = fleet.host('inner');
		// The inner host is addressed as the bastion sees it; its own known_hosts entry is checked.
		config = join(fleet.dir, 'ssh_config.jump');
		writeFileSync(
			config,
			[
				readFileSync(fleet.sshConfigFile, 'utf8'),
				'Host behind',
				'  HostName 127.0.0.1',
				`  Port ${inner.port}`,
				`  User ${inner.user}`,
				`  IdentityFile ${fleet.userKeyFile}`,
				`  UserKnownHostsFile ${fleet.knownHostsFile}`,
				'  ProxyJump bastion',
				'',
				'Host unreachable',
				'  HostName 127.0.0.1',
				'  Port 1',
				`  IdentityFile ${fleet.userKeyFile}`,
				'  ProxyJump bastion',
				'',
			].join('\n'),
		);
		expect(bastion.port).not.toBe(inner.port);
	});
	afterAll(async () => {
		await fleet?.stop();
	});

	test('runs commands on the target through the bastion', async () => {
		const ssh = new SshTransport({ target: 'behind', configFile: config, home: fleet.dir, agentSocket: '' });
		try {
			expect(ssh.describe).toBe(`${fleet.host('inner').user}@127.0.0.1:${fleet.host('inner').port} via bastion`);
			const result = await ssh.exec('echo through');
			expect(result).toMatchObject({ code: 0, stdout: 'through\n' });
			// We logged in on the bastion itself on the way.
			expect(readFileSync(fleet.host('bastion').logFile, 'utf8')).toMatch(/Accepted publickey for /);
		} finally {
			await ssh.close();
		}
	});

	test("each hop's host key is checked on its own", async () => {
		const innerOnly = join(fleet.dir, 'known_hosts.inner-only');
		writeFileSync(innerOnly, `${fleet.knownHostsLines('inner').join('\n')}\n`);
		const ssh = new SshTransport({ target: 'behind', configFile: config, knownHostsFile: innerOnly, home: fleet.dir, agentSocket: '' });
		await expect(ssh.connect()).rejects.toThrow(
			new RegExp(`^jump host bastion: unknown host key for \\[127\\.0\\.0\\.1\\]:${fleet.host('bastion').port}: ssh-ed25519 SHA256:`),
		);
		const bastionOnly = join(fleet.dir, 'known_hosts.bastion-only');
		writeFileSync(bastionOnly, `${fleet.knownHostsLines('bastion').join('\n')}\n`);
		const second = new SshTransport({ target: 'behind', configFile: config, knownHostsFile: bastionOnly, home: fleet.dir, agentSocket: '' });
		await expect(second.connect()).rejects.toThrow(new RegExp(`^unknown host key for \\[127\\.0\\.0\\.1\\]:${fleet.host('inner').port}`));
	});

	test('a target the bastion cannot reach is reported as such', async () => {
		const ssh = new SshTransport({ target: 'unreachable', configFile: config, home: fleet.dir, agentSocket: '' });
		await expect(ssh.connect()).rejects.toThrow(/^jump host bastion cannot reach 127\.0\.0\.1:1 \(/);
	});
});
