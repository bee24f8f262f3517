import { describe, expect, it } from 'vitest';
import { exitCodes } from '../../source/engine/outcome/exit-code.js';
import { execa } from 'execa';
import { cli, trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();

/** The demo fleet's shape: four hosts, `delta` (last in the config) tagged canary. */
const demoShape = { hostToml: { alpha: 'tags = ["web", "eu"]', bravo: 'tags = ["web", "us"]', charlie: 'tags = ["api", "eu"]', delta: 'tags = ["api", "canary"]' } };
const demoNames = ['alpha', 'bravo', 'charlie', 'delta'];

describe('waves aimed by tag, name or count (headless)', () => {
	it('`deploy --canary @canary --yes`: wave 1 is delta alone, and the confirm says the plan', async () => {
		const demo = await fleet(demoNames, demoShape);
		const result = await demo.run('deploy', '--canary', '@canary', '--yes');
		expect(result.exitCode, result.stdout + result.stderr).toBe(exitCodes.ok);
		expect(result.stdout).toContain('switching 4 hosts: wave 1 (canary): delta · wave 2: 3 hosts');
		expect(result.stdout).toContain('wave 1/2 (canary): delta\n');
		expect(result.stdout).toContain('wave 2/2: alpha, bravo, charlie\n');
		// delta switched before any other host began its switch.
		const order = result.stdout.split('\n').filter((line) => /^\[\w+\] ⇄ switched /.test(line)).map((line) => line.slice(1, line.indexOf(']')));
		expect(order[0]).toBe('delta');
		expect(demoNames.map((host) => demo.current(host))).toEqual([1, 1, 1, 1]);
	});

	it('takes the canary from [defaults] (by name), and a name no host has changes nothing', async () => {
		const demo = await fleet(demoNames, { ...demoShape, toml: '' });
		const withCanary = await demo.run('deploy', '--yes', '--canary', 'charlie,delta', '--batch', '1');
		expect(withCanary.stdout).toContain('wave 1/3 (canary): charlie, delta\n');
		expect(withCanary.stdout).toContain('wave 2/3: alpha\n');

		const typo = await demo.run('deploy', '--yes', '--canary', 'deltaa');
		expect(typo.exitCode).toBe(exitCodes.usage);
		expect(typo.stderr).toMatch(/--canary deltaa: no such host or @tag in .*hosts\.toml; did you mean delta\? \(hosts and tags: @web, @eu, @us, @api, @canary, alpha, bravo, charlie, delta\)/);
		expect(demoNames.map((host) => demo.generations(host).length)).toEqual([1, 1, 1, 1]);
	});
});

describe('every flag honoured or refused', () => {
	it('`generations --canary 2` exits 2 naming the commands that take --canary; `help deploy` exits 0', async () => {
		const demo = await fleet(['alpha']);
		const refused = await demo.run('generations', '--canary', '2');
		expect(refused.exitCode).toBe(exitCodes.usage);
		expect(refused.stderr).toContain('switchyard: --canary goes with the console (no command) and deploy, not generations');
		expect(refused.stdout).toBe('');

		// Help reads no config: it is asked without one.
		const help = await execa('node', [cli, 'help', 'deploy'], { reject: false, stdin: 'ignore', cwd: demo.dir });
		expect(help.exitCode).toBe(0);
		expect(help.stdout).toMatch(/^switchyard deploy \[options\]/);
		expect(help.stdout).toContain('--canary @TAG|NAME,…|N');
		const flagHelp = await demo.run('deploy', '--help', '--host', 'alpha');
		expect(flagHelp.exitCode).toBe(0);
		expect(flagHelp.stdout).toBe(help.stdout);

		const typo = await demo.run('deplyo');
		expect(typo.exitCode).toBe(exitCodes.usage);
		expect(typo.stderr).toContain('unknown command "deplyo"; did you mean deploy?');
		expect(typo.stderr).not.toMatch(/commands: [^;)]*console/);
	});

	it('`runs --host` lists only the runs that touched that host', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		expect((await demo.run('deploy', '--yes', '--host', 'bravo', '--skip-build')).exitCode).toBe(0);
		const runIds = (output: string) => output.trim().split('\n').map((line) => (JSON.parse(line) as { runId: string; started: { hosts: string[] } }).started.hosts);
		const all = await demo.run('runs', '--json');
		expect(runIds(all.stdout)).toEqual([['bravo'], ['alpha', 'bravo']]);
		const alpha = await demo.run('runs', '--json', '--host', 'alpha');
		expect(runIds(alpha.stdout)).toEqual([['alpha', 'bravo']]);
		const unknown = await demo.run('runs', '--host', 'alpah');
		expect(unknown.exitCode).toBe(exitCodes.usage);
	});

	it('`logs --json` prints one JSON object per line', async () => {
		const demo = await fleet(['alpha', 'bravo'], { hostToml: { alpha: `logs = "printf 'one\\\\ntwo\\\\n'"`, bravo: 'services = []\nlogs = "journalctl -u {service}"' } });
		const result = await demo.run('logs', '--json');
		expect(result.exitCode, result.stderr).toBe(0);
		const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
		expect(lines).toEqual(expect.arrayContaining([{ host: 'alpha', line: 'one' }, { host: 'alpha', line: 'two' }, { host: 'bravo', note: 'no services to show the logs of (services = [])' }]));
		expect(lines).toHaveLength(3);
	});
});
