import type { Config, HostConfig } from '../../source/config/types.js';

/** A host as the config loader would hand it over, with only the fields the console reads mattering. */
export function hostConfig(name: string, tags: readonly string[] = [], kind: 'local' | 'ssh' = 'local'): HostConfig {
	return {
		name,
		tags,
		transport: kind === 'local' ? { kind: 'local' } : { kind: 'ssh', target: `deploy@${name}` },
		root: `/tmp/switchyard-test/${name}`,
		strategy: 'releases',
		profile: '/nix/var/nix/profiles/system',
		frontend: false,
		frontendDir: 'frontend',
		binaries: [],
		binDir: 'bin',
		binPrefix: '',
		services: ['demo'],
		runners: [],
		restart: 'true',
		logs: 'echo {service}',
		afterSwitch: [],
		shared: [],
		health: { commands: [], http: [], servicesActive: false, timeoutMs: 1000, retries: 0, intervalMs: 100 },
		env: {},
		minFreeMb: 0,
		staleLockMs: 3_600_000,
		watchdog: false,
		confirmTimeoutMs: 30_000,
		timeouts: { commandMs: 120_000, switchMs: 600_000, dryRunMs: 600_000, uploadMs: 3_600_000 },
		allowExternalLinks: false,
		pull: 'never',
	};
}

export function fleetConfig(hosts: readonly HostConfig[]): Config {
	return { file: '/tmp/switchyard-test/hosts.toml', dir: '/tmp/switchyard-test', app: { name: 'demo', keep: 5 }, jobs: 4, waves: { canary: 0 }, hosts };
}

/** web-1…web-N tagged web, plus db-1 tagged db, edge-1 over ssh. */
export function smallFleet(webCount = 3): HostConfig[] {
	const web = Array.from({ length: webCount }, (_, index) => hostConfig(`web-${index + 1}`, ['web', 'eu']));
	return [...web, hostConfig('db-1', ['db']), hostConfig('edge-1', ['edge'], 'ssh')];
}
