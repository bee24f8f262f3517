import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SshTransport } from '../../source/transport/ssh.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { fleetTransport } from './fleet-transport.js';

describe.runIf(requireSshd('ssh host keys and auth'))('host keys and authentication against a real sshd', () => {
	let fleet: Fleet;
	let counter = 0;
	/** A fresh known_hosts file with the given lines. */
	const knownHosts = (...lines: string[]): string => {
		const file = join(fleet.dir, `known_hosts.${++counter}`);
		writeFileSync(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
		return file;
	};
	const edKey = () => fleet.host('fleet-1').hostKeys.find((key) => key.type === 'ssh-ed25519');
	const fingerprint = (publicKeyFile: string) => /SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-lf', publicKeyFile], { encoding: 'utf8' }))?.[0];

	beforeAll(async () => {
		fleet = await startFleet({ hosts: 1 });
	});
	afterAll(async () => {
		await fleet?.stop();
	});

	test('an unknown host key is refused with its SHA256 fingerprint (same as ssh-keygen -l)', async () => {
		const ssh = fleetTransport(fleet, 'fleet-1', { knownHostsFile: knownHosts() });
		const port = fleet.host('fleet-1').port;
		const expected = fingerprint(`${edKey()?.privateKeyFile}.pub`);
		await expect(ssh.connect()).rejects.toThrow(
			`unknown host key for [127.0.0.1]:${port}: ssh-ed25519 ${expected} — run with --accept-new-host-keys to trust it`,
		);
		expect((await ssh.exec('true')).failure).toMatch(/^unknown host key/);
	});

	test('acceptNewHostKeys records the key like OpenSSH accept-new, and it is trusted afterwards', async () => {
		const file = knownHosts('# mine', `[10.0.0.9]:22 ssh-ed25519 ${edKey()?.base64}`);
		const notices: string[] = [];
		const accepting = fleetTransport(fleet, 'fleet-1', { knownHostsFile: file, acceptNewHostKeys: true, onNotice: (notice) => notices.push(notice) });
		expect((await accepting.exec('echo ok')).stdout).toBe('ok\n');
		await accepting.close();
		const port = fleet.host('fleet-1').port;
		expect(readFileSync(file, 'utf8').split('\n')).toEqual([
			'# mine',
			`[10.0.0.9]:22 ssh-ed25519 ${edKey()?.base64}`,
			`[127.0.0.1]:${port} ssh-ed25519 ${edKey()?.base64}`,
			'',
		]);
		expect(notices).toEqual([expect.stringMatching(new RegExp(`^Permanently added \\[127\\.0\\.0\\.1\\]:${port} \\(ssh-ed25519 SHA256:`))]);
		// OpenSSH itself agrees with what we wrote.
		const out = execFileSync('ssh', ['-F', fleet.sshConfigFile, '-o', `UserKnownHostsFile=${file}`, '-o', 'BatchMode=yes', 'fleet-1', 'echo fine'], {
			encoding: 'utf8',
		});
		expect(out).toBe('fine\n');
		const again = fleetTransport(fleet, 'fleet-1', { knownHostsFile: file });
		expect((await again.exec('true')).code).toBe(0);
		await again.close();
	});

	test('a changed key is refused, even with acceptNewHostKeys, and known_hosts is left alone', async () => {
		execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(fleet.dir, 'impostor')]);
		const impostor = readFileSync(join(fleet.dir, 'impostor.pub'), 'utf8').split(' ')[1];
		const port = fleet.host('fleet-1').port;
		const file = knownHosts(`[127.0.0.1]:${port} ssh-ed25519 ${impostor}`);
		const before = readFileSync(file, 'utf8');
		const ssh = fleetTransport(fleet, 'fleet-1', { knownHostsFile: file, acceptNewHostKeys: true });
		await expect(ssh.connect()).rejects.toThrow(new RegExp(`^host key for \\[127\\.0\\.0\\.1\\]:${port} changed! .*refusing`));
		expect(readFileSync(file, 'utf8')).toBe(before);
	});

	test('a hashed known_hosts (ssh-keygen -H) is honoured', async () => {
		const file = knownHosts(...fleet.knownHostsLines('fleet-1'));
		execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
		expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
		const ssh = fleetTransport(fleet, 'fleet-1', { knownHostsFile: file });
		expect((await ssh.exec('echo hashed')).stdout).toBe('hashed\n');
		await ssh.close();
	});

	test('a host known only by its ECDSA key is asked for that key first, not refused', async () => {
		const file = knownHosts(...fleet.knownHostsLines('fleet-1', ['ecdsa-sha2-nistp256']));
		const ssh = fleetTransport(fleet, 'fleet-1', { knownHostsFile: file });
		expect((await ssh.exec('echo ecdsa')).stdout).toBe('ecdsa\n');
		await ssh.close();
	});

	test('a @revoked key is refused', async () => {
		const port = fleet.host('fleet-1').port;
		const file = knownHosts(`@revoked * ssh-ed25519 ${edKey()?.base64}`, ...fleet.knownHostsLines('fleet-1'));
		const ssh = fleetTransport(fleet, 'fleet-1', { knownHostsFile: file });
		await expect(ssh.connect()).rejects.toThrow(`host key for [127.0.0.1]:${port} (ssh-ed25519`);
		await expect(ssh.connect()).rejects.toThrow('is marked @revoked');
	});

	test('authentication failure names the user, host and what was tried', async () => {
		const wrongKey = join(fleet.dir, 'id_wrong');
		execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
		const host = fleet.host('fleet-1');
		const ssh = new SshTransport({ target: host.target, knownHostsFile: fleet.knownHostsFile, home: fleet.dir, agentSocket: '' });
		// home is the fleet dir: its default key is ~/.ssh/id_ed25519, which does not exist there.
		await expect(ssh.connect()).rejects.toThrow(`authentication failed for ${host.user}@127.0.0.1 (nothing to offer: no ssh-agent and no key files)`);
		const config = join(fleet.dir, 'ssh_config.wrong');
		writeFileSync(config, `Host wrong\n  HostName 127.0.0.1\n  Port ${host.port}\n  IdentityFile ${wrongKey}\n  UserKnownHostsFile ${fleet.knownHostsFile}\n`);
		const wrong = new SshTransport({ target: 'wrong', configFile: config, home: fleet.dir, agentSocket: '' });
		await expect(wrong.connect()).rejects.toThrow(`authentication failed for ${host.user}@127.0.0.1 (tried: ~/id_wrong)`); // home is the fleet dir
	});

	test('a passphrase-protected key is named, with the way out', async () => {
		const locked = join(fleet.dir, 'id_locked');
		execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', locked]);
		const host = fleet.host('fleet-1');
		const config = join(fleet.dir, 'ssh_config.locked');
		writeFileSync(config, `Host locked\n  HostName 127.0.0.1\n  Port ${host.port}\n  IdentityFile ${locked}\n  UserKnownHostsFile ${fleet.knownHostsFile}\n`);
		const ssh = new SshTransport({ target: 'locked', configFile: config, home: fleet.dir, agentSocket: '' });
		await expect(ssh.connect()).rejects.toThrow(
			`authentication failed for ${host.user}@127.0.0.1 (nothing to offer: no ssh-agent and no key files); ~/id_locked is passphrase-protected (add it to ssh-agent)`,
		);
	});

	test('a server that never answers times out with a clear reason', async () => {
		const silent: Server = createServer(() => {}).listen(0, '127.0.0.1');
		await new Promise((resolve) => silent.once('listening', resolve));
		const address = silent.address();
		const port = typeof address === 'object' && address ? address.port : 0;
		try {
			const ssh = new SshTransport({ target: `root@127.0.0.1:${port}`, home: fleet.dir, agentSocket: '', connectTimeoutMs: 300 });
			await expect(ssh.connect()).rejects.toThrow(`timed out connecting to 127.0.0.1:${port} (no SSH handshake within 0.3 s)`);
		} finally {
			silent.close();
		}
	});
});
