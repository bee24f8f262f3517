import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { problemsOf } from '../support/config-problems.js';
import { oqtoSeedBlock } from '../seeds/fixtures/oqto-seed.js';

const file = '/srv/project/hosts.toml';


describe('hosts.toml', () => {
	it('loads the Oqto seed host block verbatim', () => {
		const config = parseConfig(oqtoSeedBlock(), file);
		const host = config.hosts[0]!;
		expect(host).toMatchObject({
			name: 'archvm',
			transport: { kind: 'local' },
			mode: 'local',
			user: 'wismut',
			frontend: true,
			webRoot: '/var/www/oqto',
			binaries: ['oqto', 'oqto-runner', 'oqto-files'],
			services: ['oqto', 'oqto-runner'],
			binPrefix: '/usr/local/bin',
			restart: 'systemctl --user restart {service}',
		});
		expect(config.app.name).toBe('project');
	});

	it('merges every health key per host, key by key: the host, then its environment, then [defaults], then [health]', () => {
		const layer = (n: number) => `command = "check-${n}"\nhttp = ["http://127.0.0.1:${n}/health"]\nexpect = "v${n}"\ntimeout = ${n}\nretries = ${n}\ninterval = ${n}\nservices_active = ${n % 2 === 0}\n`;
		const config = parseConfig(
			`[health]\n${layer(1)}[defaults.health]\n${layer(2)}[environments.prod]\n[environments.prod.health]\n${layer(3)}` +
				`[[host]]\nname = "own"\nlocal = true\nenvironment = "prod"\nhealth = { command = "check-4", http = ["http://127.0.0.1:4/health"], expect = "v4", timeout = 4, retries = 4, interval = 4, services_active = true }\n` +
				`[[host]]\nname = "env"\nlocal = true\nenvironment = "prod"\n` +
				`[[host]]\nname = "defaults"\nlocal = true\n`,
			file,
		);
		const health = (n: number, servicesActive: boolean) => ({ commands: [`check-${n}`], http: [{ url: `http://127.0.0.1:${n}/health`, expect: `v${n}` }], servicesActive, timeoutMs: n * 1000, retries: n, intervalMs: n * 1000 });
		expect(config.hosts.map((host) => host.health)).toEqual([health(4, true), health(3, false), health(2, true)]);
		// One key per host, the rest from below: a per-host timeout alone is that host's timeout.
		const one = parseConfig(`[health]\n${layer(1)}[[host]]\nname = "a"\nlocal = true\nhealth = { timeout = 2 }\n`, file).hosts[0]!.health;
		expect(one).toEqual({ ...health(1, false), timeoutMs: 2000 });
	});

	it('merges [defaults], [health] and per-host settings', () => {
		const config = parseConfig(
			`[app]\nname = "shop"\nkeep = 4\n[defaults]\nroot = "/srv/{host}"\nshared = ["logs"]\ntags = ["prod"]\n[health]\ntimeout = 3\nhttp = ["http://127.0.0.1:80/health"]\n[env]\nA = "1"\n` +
				`[[host]]\nname = "web-1"\nssh = "deploy@10.0.0.5:2222"\ntags = ["web"]\ndry_run = "nginx -t"\nafter_switch = ["echo done"]\nhealth = { retries = 9 }\nenv = { B = { value = "s3cret", secret = true } }\n`,
			file,
		);
		const host = config.hosts[0]!;
		expect(host.transport).toEqual({ kind: 'ssh', target: 'deploy@10.0.0.5:2222' });
		expect(host.root).toBe('/srv/web-1');
		expect(host.tags).toEqual(['web']);
		expect(host.shared).toEqual(['logs']);
		expect(host.health).toMatchObject({ timeoutMs: 3000, retries: 9, http: [{ url: 'http://127.0.0.1:80/health' }] });
		expect(host.env).toEqual({ A: { value: '1', secret: false }, B: { value: 's3cret', secret: true } });
		expect(host.restart).toBe('systemctl restart {service}');
		expect(config.app.keep).toBe(4);
	});

	// Each malformed config: the line it should point at, the key it names, and words of the message.
	const malformed: { what: string; text: string; line: number | undefined; key: string; says: RegExp }[] = [
		{ what: 'broken TOML', text: '[app]\nname = "x\n', line: 2, key: '', says: /not valid TOML/ },
		{ what: 'duplicate key', text: '[[host]]\nname = "a"\nname = "b"\nlocal = true\n', line: 3, key: '', says: /not valid TOML: .*redefine/ },
		{ what: 'no hosts', text: '[app]\nname = "x"\n', line: undefined, key: 'host', says: /is required/ },
		{ what: 'unknown top-level key', text: '[aap]\nname = "x"\n[[host]]\nname = "a"\nlocal = true\n', line: 1, key: 'aap', says: /unknown key; allowed here: app, build/ },
		{ what: 'unknown host key', text: '[[host]]\nname = "a"\nlocal = true\nservice = ["x"]\n', line: 4, key: '[[host]] "a" service', says: /unknown key; allowed here: .*services/ },
		{ what: 'unknown [defaults] key', text: '[defaults]\nnmae = "x"\n[[host]]\nname = "a"\nlocal = true\n', line: 2, key: 'defaults.nmae', says: /^unknown key; allowed here: jobs, canary, batch, max_failures and every \[\[host\]\] key but name, ssh and local$/ },
		{ what: 'unknown [environments.<name>] key', text: '[environments.staging]\nenvironment = "x"\n[[host]]\nname = "a"\nlocal = true\n', line: 2, key: 'environments.staging.environment', says: /^unknown key; allowed here: production and every \[\[host\]\] key but name, ssh, local and environment$/ },
		{ what: 'host without ssh or local', text: '[[host]]\nname = "a"\nmode = "local"\n', line: 1, key: '[[host]] "a" ssh', says: /needs ssh = "alias" or "user@host", or local = true/ },
		{ what: 'bad mode', text: '[[host]]\nname = "a"\nlocal = true\nmode = "multiuser"\n', line: 4, key: '[[host]] "a" mode', says: /must be one of "local", "multi-user", found "multiuser"/ },
		{ what: 'string instead of list', text: '[[host]]\nname = "a"\nlocal = true\nbinaries = "oqto"\n', line: 4, key: '[[host]] "a" binaries', says: /expected a list, e.g. \["a", "b"\], found "oqto"/ },
		{ what: 'shell metacharacters in a service', text: '[[host]]\nname = "a"\nlocal = true\nservices = ["web; rm -rf /"]\n', line: 4, key: '[[host]] "a" services[0]', says: /a service name must be/ },
		{ what: 'shell metacharacters in a host name', text: '[[host]]\nname = "a$(reboot)"\nlocal = true\n', line: 2, key: '[[host]] "a$(reboot)" name', says: /a host name must be letters, digits/ },
		{ what: 'frontend without web_root', text: '[[host]]\nname = "a"\nlocal = true\nfrontend = true\n', line: 1, key: '[[host]] "a" web_root', says: /frontend = true needs web_root/ },
		{ what: 'duplicate host names', text: '[[host]]\nname = "a"\nlocal = true\n[[host]]\nname = "a"\nlocal = true\n', line: 5, key: '[[host]] #2 name', says: /already the name of \[\[host\]\] #1/ },
		{ what: 'keep below 2', text: '[app]\nname = "x"\nkeep = 1\n[[host]]\nname = "a"\nlocal = true\n', line: 3, key: 'app.keep', says: /must be at least 2/ },
		{ what: 'shared dir escaping the root', text: '[defaults]\nshared = ["../etc"]\n[[host]]\nname = "a"\nlocal = true\n', line: 2, key: 'defaults.shared[0]', says: /without "\.\."/ },
		{ what: 'health url not a url', text: '[health]\nhttp = ["localhost:80"]\n[[host]]\nname = "a"\nlocal = true\n', line: 2, key: 'health.http[0]', says: /must be an http\(s\) URL, e.g. .*, found "localhost:80"/ },
		{ what: 'error in a [host.health] sub-table', text: '[[host]]\nname = "a"\nlocal = true\n[[host]]\nname = "b"\nlocal = true\n[host.health]\ntimeout = -1\n', line: 8, key: '[[host]] "b" health.timeout', says: /positive number of seconds, found -1/ },
		{ what: 'root with quotes', text: '[[host]]\nname = "a"\nlocal = true\nroot = "/srv/it\'s"\n', line: 4, key: '[[host]] "a" root', says: /plain path without quotes/ },
		{ what: 'jobs zero', text: '[defaults]\njobs = 0\n[[host]]\nname = "a"\nlocal = true\n', line: 2, key: 'defaults.jobs', says: /must be 1 or more/ },
	];

	// A setting is reported where it is written: the host's block, its environment's table, [defaults], else the host's header.
	const placed: { what: string; text: string; line: number; key: string; says: RegExp }[] = [
		{ what: 'relative web_root in [environments.<name>]', text: '[environments.staging]\nweb_root = "www"\n[[host]]\nname = "a"\nssh = "a"\nenvironment = "staging"\n', line: 2, key: '[[host]] "a" web_root', says: /absolute path on an SSH host \(found "www"\)/ },
		{ what: 'bin_prefix in [environments.<name>] over [defaults]', text: '[defaults]\nbin_prefix = "/usr/bin"\n[environments.staging]\nbin_prefix = "bin"\n[[host]]\nname = "a"\nssh = "a"\nenvironment = "staging"\n', line: 4, key: '[[host]] "a" bin_prefix', says: /found "bin"/ },
		{ what: 'run_as in [environments.<name>]', text: '[environments.staging]\nrun_as = "app"\n[[host]]\nname = "a"\nlocal = true\nenvironment = "staging"\n', line: 2, key: '[[host]] "a" run_as', says: /run_as is for strategy = "script"/ },
		{ what: 'run_as in [defaults], environment from [defaults]', text: '[defaults]\nenvironment = "staging"\nrun_as = "app"\n[environments.staging]\n[[host]]\nname = "a"\nlocal = true\n', line: 3, key: '[[host]] "a" run_as', says: /run_as is for strategy = "script"/ },
		{ what: 'strategy = "script" in [environments.<name>] without a script', text: '[environments.staging]\nstrategy = "script"\n[[host]]\nname = "a"\nlocal = true\nenvironment = "staging"\n', line: 2, key: '[[host]] "a" script', says: /needs script = / },
		{ what: 'web_root on the host outranks its environment', text: '[environments.staging]\nweb_root = "/var/www/x"\n[[host]]\nname = "a"\nssh = "a"\nenvironment = "staging"\nweb_root = "www"\n', line: 7, key: '[[host]] "a" web_root', says: /found "www"/ },
	];

	for (const { what, text, line, key, says } of placed) {
		it(`points at where the setting is written: ${what}`, () => {
			const [problem] = problemsOf(text);
			expect(problem).toMatchObject({ file, line, key });
			expect(problem!.message).toMatch(says);
		});
	}

	for (const { what, text, line, key, says } of malformed) {
		it(`points at the problem: ${what}`, () => {
			const [problem] = problemsOf(text);
			expect(problem).toMatchObject({ file, line, key });
			expect(problem!.message).toMatch(says);
		});
	}

	it('prints problems as file:line: key: message', () => {
		expect(() => parseConfig('[[host]]\nname = "a"\nlocal = true\nmode = "x"\n', file)).toThrow(
			'/srv/project/hosts.toml:4: [[host]] "a" mode: must be one of "local", "multi-user", found "x"',
		);
	});
});

describe('[defaults] canary', () => {
	const hosts = '[[host]]\nname = "alpha"\nlocal = true\ntags = ["web"]\n[[host]]\nname = "delta"\nlocal = true\ntags = ["api", "canary"]\n';
	it('takes a count, a @tag, a host name or a list of them', () => {
		expect(parseConfig(`[defaults]\ncanary = 2\n${hosts}`, file).waves.canary).toBe(2);
		expect(parseConfig(`[defaults]\ncanary = "@canary"\n${hosts}`, file).waves.canary).toEqual(['@canary']);
		expect(parseConfig(`[defaults]\ncanary = "delta"\n${hosts}`, file).waves.canary).toEqual(['delta']);
		expect(parseConfig(`[defaults]\ncanary = ["delta", "@web"]\nbatch = "25%"\nmax_failures = 2\n${hosts}`, file).waves).toEqual({ canary: ['delta', '@web'], batch: '25%', maxFailures: 2 });
	});

	it('refuses a name or tag no host has, at its line, with what is valid and the closest', () => {
		const [problem] = problemsOf(`[app]\nname = "x"\n[defaults]\ncanary = ["deltaa"]\n${hosts}`);
		expect(problem).toMatchObject({ file, line: 4, key: 'defaults.canary' });
		expect(problem!.message).toBe('"deltaa" is no host or @tag of this config (did you mean "delta"?); hosts and tags: @web, @api, @canary, alpha, delta');
		expect(problemsOf(`[defaults]\ncanary = "@canari"\n${hosts}`)[0]!.message).toMatch(/^"@canari" is no host or @tag of this config \(did you mean "@canary"\?\)/);
	});

	it('refuses other shapes, saying which are allowed', () => {
		const [problem] = problemsOf(`[defaults]\ncanary = "web 1"\n${hosts}`);
		expect(problem).toMatchObject({ line: 2, key: 'defaults.canary' });
		expect(problem!.message).toBe('a canary is a host name or @tag, e.g. "@canary" or "web-1", found "web 1"');
		expect(problemsOf(`[defaults]\ncanary = { tag = "canary" }\n${hosts}`)[0]!.message).toMatch(/^canary is a number of hosts, a host name or @tag, or a list of them, e.g. 1, "@canary" or \["web-1", "web-2"\]/);
	});
});
