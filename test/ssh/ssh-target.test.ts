import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { describe, expect, test } from 'vitest';
import { inlineIncludes, loadSshConfig, type ConfigFileSystem } from '../../source/transport/ssh-config-file.js';
import { parseTargetSpec, resolveSshTarget } from '../../source/transport/ssh-target.js';

const local = { home: '/home/op', user: 'op' };

describe('parseTargetSpec', () => {
	test.each([
		['web1', { host: 'web1' }],
		['deploy@web1', { user: 'deploy', host: 'web1' }],
		['deploy@10.0.0.5:2222', { user: 'deploy', host: '10.0.0.5', port: 2222 }],
		['[::1]:2201', { host: '::1', port: 2201 }],
		['root@[fe80::1]', { user: 'root', host: 'fe80::1' }],
		['fe80::1', { host: 'fe80::1' }],
		['ssh://deploy@web1:22', { user: 'deploy', host: 'web1', port: 22 }],
		['a@b@web1', { user: 'a@b', host: 'web1' }],
	])('%s', (spec, expected) => {
		expect(parseTargetSpec(spec)).toEqual(expected);
	});

	test.each([[''], ['@web1'], ['web1:0'], ['web1:70000'], ['web1:ab'], ['deploy@']])('rejects %j', (spec) => {
		expect(() => parseTargetSpec(spec)).toThrow();
	});
});

describe('resolveSshTarget', () => {
	const config = SSHConfig.parse(`
Host web
  HostName 10.0.0.5
  Port 2222
  User deploy
  IdentityFile ~/.ssh/deploy_ed25519
  IdentityFile /keys/%r@%h
  UserKnownHostsFile ~/.ssh/known_hosts.fleet

Host inner
  HostName 192.168.1.20
  ProxyJump bastion,jump2@edge:2022

Host bastion
  HostName bastion.example.com
  User jump
  Port 2200

Host edge
  HostName edge.example.com

Host *.internal
  User svc

Host *
  IdentityFile ~/.ssh/id_fallback
`);

	test('an alias takes HostName, Port, User, IdentityFile (~ and tokens expanded, multiple), UserKnownHostsFile', () => {
		expect(resolveSshTarget('web', config, local)).toEqual({
			name: 'web',
			host: '10.0.0.5',
			port: 2222,
			user: 'deploy',
			identityFiles: ['/home/op/.ssh/deploy_ed25519', '/keys/deploy@10.0.0.5', '/home/op/.ssh/id_fallback'],
			knownHostsFiles: ['/home/op/.ssh/known_hosts.fleet'],
			jumps: [],
		});
	});

	test('user and port written in the target win over the config', () => {
		const target = resolveSshTarget('admin@web:22', config, local);
		expect([target.user, target.host, target.port]).toEqual(['admin', '10.0.0.5', 22]);
	});

	test('a host that is not an alias: current user, port 22, default known_hosts, patterns still apply', () => {
		expect(resolveSshTarget('db.internal', config, local)).toMatchObject({
			host: 'db.internal',
			port: 22,
			user: 'svc',
			identityFiles: ['/home/op/.ssh/id_fallback'],
			knownHostsFiles: ['/home/op/.ssh/known_hosts'],
		});
		expect(resolveSshTarget('10.1.1.1', undefined, local)).toMatchObject({ user: 'op', port: 22, identityFiles: [] });
	});

	test('ProxyJump: comma-separated hops, each resolved as an alias itself, outermost first', () => {
		const target = resolveSshTarget('inner', config, local);
		expect(target.host).toBe('192.168.1.20');
		expect(target.jumps.map((jump) => `${jump.user}@${jump.host}:${jump.port}`)).toEqual([
			'jump@bastion.example.com:2200',
			'jump2@edge.example.com:2022',
		]);
	});

	test('ProxyJump none means direct', () => {
		const direct = SSHConfig.parse('Host a\n  ProxyJump none\nHost *\n  ProxyJump bastion\n');
		expect(resolveSshTarget('a', direct, local).jumps).toEqual([]);
	});
});

describe('Include', () => {
	const files: Record<string, string> = {
		'/home/op/.ssh/config': 'Include config.d/*\nInclude /etc/ssh/extra.conf\nHost *\n  User fallback\n',
		'/home/op/.ssh/config.d/10-web': 'Host web\n  HostName 10.0.0.5\n  Port 2201\n',
		'/home/op/.ssh/config.d/20-db': 'Host db\n  HostName 10.0.0.6\n',
		'/home/op/.ssh/config.d/.hidden': 'Host web\n  HostName wrong\n',
		'/etc/ssh/extra.conf': 'Host extra\n  HostName 10.0.0.7\n',
	};
	const fs: ConfigFileSystem = {
		readFile: (path) => files[path],
		list: (dir) =>
			Object.keys(files)
				.filter((path) => path.startsWith(`${dir}/`) && !path.slice(dir.length + 1).includes('/'))
				.map((path) => path.slice(dir.length + 1)),
	};

	test('relative globs are under ~/.ssh, sorted; absolute paths work; hidden files are not globbed', () => {
		const config = loadSshConfig(undefined, '/home/op', fs);
		expect(resolveSshTarget('web', config, local)).toMatchObject({ host: '10.0.0.5', port: 2201, user: 'fallback' });
		expect(resolveSshTarget('db', config, local).host).toBe('10.0.0.6');
		expect(resolveSshTarget('extra', config, local).host).toBe('10.0.0.7');
	});

	test('an Include inside a Host block applies to that block, and the block continues after it', () => {
		const text = inlineIncludes('Host web\n  Include web-extra\n  User deploy\nHost *\n  User other\n', {
			home: '/home/op',
			depth: 0,
			fs: { readFile: (path) => (path === '/home/op/.ssh/web-extra' ? 'Port 2222\n' : undefined), list: () => [] },
		});
		const target = resolveSshTarget('web', SSHConfig.parse(text), local);
		expect([target.port, target.user]).toEqual([2222, 'deploy']);
		expect(resolveSshTarget('db', SSHConfig.parse(text), local).port).toBe(22);
	});

	test('a missing default config is "no config"; a missing explicit one is an error', () => {
		const empty: ConfigFileSystem = { readFile: () => undefined, list: () => [] };
		expect(loadSshConfig(undefined, '/home/op', empty)).toBeUndefined();
		expect(() => loadSshConfig('/nope/config', '/home/op', empty)).toThrow('ssh config file /nope/config does not exist');
	});

	test('reads real files', () => {
		const home = mkdtempSync(join(tmpdir(), 'switchyard-home-'));
		mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
		writeFileSync(join(home, '.ssh', 'config'), 'Include conf.d/*.conf\n');
		writeFileSync(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host app\n  HostName 10.9.9.9\n  IdentityFile ~/.ssh/app_key\n');
		const target = resolveSshTarget('app', loadSshConfig(undefined, home), { home, user: 'op' });
		expect(target).toMatchObject({ host: '10.9.9.9', identityFiles: [join(home, '.ssh', 'app_key')] });
	});
});
