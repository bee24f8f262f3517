import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { problemsOf } from '../support/config-problems.js';
import { oqtoSeedBlock } from '../seeds/fixtures/oqto-seed.js';


describe('Oqto: defaults an operator coming from the seed relies on', () => {
	it('takes the app name (and the root /opt/<app>) from the project, not from deploy/', () => {
		const config = parseConfig(oqtoSeedBlock('local').replace('local = true', 'local = false'), '/home/wismut/oqto/deploy/hosts.toml');
		expect(config.app).toMatchObject({ name: 'oqto', nameFrom: 'directory' });
		expect(config.hosts[0]).toMatchObject({ root: '/opt/oqto', rootDefaulted: true });
		// A project whose own directory holds hosts.toml keeps its name.
		expect(parseConfig(oqtoSeedBlock('local'), '/srv/shop/hosts.toml').app.name).toBe('shop');
		expect(parseConfig(`[app]\nname = "x"\n${oqtoSeedBlock('local')}`, '/srv/oqto/deploy/hosts.toml').app).toMatchObject({ name: 'x', nameFrom: 'config' });
	});

	it('ends every *-runner binary in multi-user mode by default; runners = [...] overrides, [] turns it off', () => {
		expect(parseConfig(oqtoSeedBlock('multi-user'), '/srv/oqto/hosts.toml').hosts[0]!.runners).toEqual(['oqto-runner']);
		expect(parseConfig(oqtoSeedBlock('local'), '/srv/oqto/hosts.toml').hosts[0]!.runners).toEqual([]);
		expect(parseConfig(`${oqtoSeedBlock('multi-user')}runners = []\n`, '/srv/oqto/hosts.toml').hosts[0]!.runners).toEqual([]);
		expect(parseConfig(`${oqtoSeedBlock('multi-user')}runners = ["oqto-files"]\n`, '/srv/oqto/hosts.toml').hosts[0]!.runners).toEqual(['oqto-files']);
	});
});

describe('tako: environments, secrets from elsewhere', () => {
	const takoConfig = `[app]
name = "shop"

[env]
LOG_LEVEL = "info"
TAKO_BUILD = "{release}"

[environments.staging]
env = { API_URL = "https://staging.example.com", DB_PASSWORD = { command = "pass show shop/staging/db" } }

[environments.production]
root = "/srv/shop"
env = { API_URL = "https://example.com", DB_PASSWORD = { from_env = "SHOP_DB_PASSWORD" }, VISIBLE = { from_env = "SHOP_REGION", secret = false } }
health = { http = ["https://example.com/health"] }

[[host]]
name = "stage-1"
ssh = "stage-1"
environment = "staging"

[[host]]
name = "web-1"
ssh = "web-1"
environment = "production"

[[host]]
name = "web-2"
ssh = "web-2"
environment = "production"
env = { API_URL = "https://eu.example.com" }

[[host]]
name = "builder"
ssh = "builder"
`;

	it('layers an environment between [defaults] and the host; lists environments with their hosts', () => {
		const config = parseConfig(takoConfig, '/srv/shop/hosts.toml');
		const [stage, web1, web2, builder] = config.hosts;
		expect(config.environments).toEqual({
			staging: { name: 'staging', production: false, hosts: ['stage-1'] },
			production: { name: 'production', production: true, hosts: ['web-1', 'web-2'] },
		});
		expect(stage).toMatchObject({ environment: 'staging', root: '/opt/shop' });
		expect(stage!.env).toEqual({
			LOG_LEVEL: { value: 'info', secret: false },
			TAKO_BUILD: { value: '{release}', secret: false },
			API_URL: { value: 'https://staging.example.com', secret: false },
			DB_PASSWORD: { value: '', secret: true, from: { command: 'pass show shop/staging/db' } },
		});
		expect(web1).toMatchObject({ environment: 'production', root: '/srv/shop', health: { http: [{ url: 'https://example.com/health' }] } });
		expect(web1!.env['DB_PASSWORD']).toEqual({ value: '', secret: true, from: { env: 'SHOP_DB_PASSWORD' } });
		expect(web1!.env['VISIBLE']).toEqual({ value: '', secret: false, from: { env: 'SHOP_REGION' } });
		// The host's own value wins over its environment's.
		expect(web2!.env['API_URL']!.value).toBe('https://eu.example.com');
		expect(builder!.environment).toBeUndefined();
		expect(builder!.env['API_URL']).toBeUndefined();
	});

	it('keeps a config without environments as it was', () => {
		const config = parseConfig(oqtoSeedBlock('local'), '/srv/oqto/hosts.toml');
		expect(config.environments).toEqual({});
		expect(config.hosts[0]!.environment).toBeUndefined();
	});

	it('says which environment is not defined, and where', () => {
		const [problem] = problemsOf(`[environments.staging]\n[[host]]\nname = "a"\nlocal = true\nenvironment = "prodution"\n`);
		expect(problem).toMatchObject({ line: 5, key: '[[host]] "a" environment' });
		expect(problem!.message).toMatch(/"prodution" is not defined: add an \[environments.prodution\] table .*; environments: staging/);
	});

	it('refuses an unknown key in an environment, naming what is allowed', () => {
		const [problem] = problemsOf(`[environments.staging]\nhosts = ["a"]\n[[host]]\nname = "a"\nlocal = true\nenvironment = "staging"\n`);
		expect(problem).toMatchObject({ line: 2, key: 'environments.staging.hosts' });
		expect(problem!.message).toMatch(/unknown key; allowed here: production and every \[\[host\]\] key/);
	});

	it('refuses a secret source of the wrong form', () => {
		const [shape] = problemsOf(`[env]\nTOKEN = { cmd = "pass show x" }\n[[host]]\nname = "a"\nlocal = true\n`);
		expect(shape).toMatchObject({ line: 2, key: 'env.TOKEN' });
		expect(shape!.message).toMatch(/\{ command = "pass show …" \} or \{ from_env = "VARIABLE" \}/);
		const [variable] = problemsOf(`[env]\nTOKEN = { from_env = "not a name" }\n[[host]]\nname = "a"\nlocal = true\n`);
		expect(variable).toMatchObject({ line: 2, key: 'env.TOKEN.from_env' });
		expect(variable!.message).toMatch(/must be a shell variable name/);
	});
});

describe('FastDeploy and pantherOS settings', () => {
	it('takes run_as for a script host, and refuses it elsewhere', () => {
		const config = parseConfig(`[[host]]\nname = "macmini"\nlocal = true\nstrategy = "script"\nscript = "/srv/deploy.py"\nrun_as = "deploy"\n`, '/srv/x/hosts.toml');
		expect(config.hosts[0]!.runAs).toBe('deploy');
		const [problem] = problemsOf(`[[host]]\nname = "a"\nlocal = true\nrun_as = "deploy"\n`);
		expect(problem).toMatchObject({ line: 4, key: '[[host]] "a" run_as' });
		expect(problem!.message).toMatch(/run_as is for strategy = "script"/);
	});

	it('takes [build] jobs for per-host builds', () => {
		const config = parseConfig(`[build]\ncommand = "nix build .#{host}"\nartifact = "result-{host}"\njobs = 2\n[[host]]\nname = "a"\nlocal = true\n`, '/srv/x/hosts.toml');
		expect(config.build).toMatchObject({ perHost: true, jobs: 2 });
	});
});
