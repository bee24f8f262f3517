import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { hasTool } from '../support/require-tool.js';
import { TmuxTerminal } from '../support/tmux.js';

const fleet = trackedFleets();

/** A FastDeploy script that reports the steps its config.json declares. */
const deployScript = `#!/bin/sh
for name in prepare bootstrap ansible verify; do
	printf '{"name": "%s", "state": "running"}\\n{"name": "%s", "state": "success"}\\n' "$name" "$name"
done
`;

/**
 * The console, in a real terminal, for an operator coming from tako, FastDeploy and pantherOS:
 * it opens on an environment picked first (production stands out in the header), a deploy
 * script's declared steps show on its tile as pending before it runs, and the switch question
 * shows a host's dry-run warnings.
 */
async function consoleFleet(): Promise<LocalFleet> {
	const demo = await fleet(['stage-1', 'stage-2', 'web-1'], {
		toml: '[environments.staging]\n[environments.production]\n',
		hostToml: {
			'stage-1': 'environment = "staging"\ndry_run = "echo \'warning: disk almost full on {host}\' >&2"',
			'stage-2': 'environment = "staging"\nstrategy = "script"\nscript = "SERVICES/{service}/deploy.sh"\nhealth = { command = "true" }',
			'web-1': 'environment = "production"',
		},
	});
	const services = path.join(demo.dir, 'services', 'demo');
	mkdirSync(services, { recursive: true });
	writeFileSync(path.join(services, 'deploy.sh'), deployScript);
	chmodSync(path.join(services, 'deploy.sh'), 0o755);
	writeFileSync(path.join(services, 'config.json'), JSON.stringify({ name: 'demo', steps: ['prepare', 'bootstrap', 'ansible', 'verify'].map((name) => ({ name })) }));
	writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('SERVICES', path.join(demo.dir, 'services')));
	return demo;
}

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('the console for operators coming from the seeds', () => {
	const terminals: TmuxTerminal[] = [];
	afterAll(() => terminals.forEach((terminal) => terminal.kill()));
	const open = (demo: LocalFleet, args: string) => {
		const terminal = TmuxTerminal.start({ command: `node ${cli} ${args} --config ${demo.config}; echo "switchyard exited with $?"; exec cat`, cwd: demo.dir, columns: 120, rows: 40, env: { TERM: 'xterm-256color' } });
		terminals.push(terminal);
		return terminal;
	};

	it('asks for the environment first; the header names it; steps pending and warnings before the switch', { timeout: 120_000 }, async () => {
		const demo = await consoleFleet();
		const t = open(demo, '');
		const picker = await t.waitFor('which environment?');
		expect(picker).toMatch(/▸ staging +2 hosts +stage-1, stage-2/);
		expect(picker).toMatch(/production +1 host +PRODUCTION +web-1/);
		expect(picker).toMatch(/all environments +3 hosts/);

		const grid = await t.press('Enter', 'of 2 selected', 15_000);
		expect(grid.split('\n')[0]).toMatch(/^ staging {2}│ Switchyard demo │ 0 of 2 selected/);
		expect(grid).not.toContain('web-1');

		await t.press('a', '2 of 2 selected');
		const question = await t.press('d', 'Switch now? [y/N]', 60_000);
		// pantherOS: what the dry run warned of, before anything switches.
		expect(question).toMatch(/stage-1 +∅ → 1 .*⚠ 1 warning: warning: disk almost full on stage-1/);
		// FastDeploy: the steps config.json declares, pending on the tile before the script runs.
		expect(question).toMatch(/│· ansible · verify +│/);
		// Every warning in full on the host's changes, before answering.
		const changes = await t.press('v', 'Changes on stage-1', 15_000);
		expect(changes).toMatch(/⚠ warning: disk almost full on stage-1/);
		await t.press('Escape', 'Switch now? [y/N]', 15_000);
		await t.press('n', 'deploy finished │ ◐ 2 staged', 30_000);
		await t.press('q', 'switchyard exited with 3', 30_000);
	});

	it('leaving the picker opens nothing', async () => {
		const demo = await consoleFleet();
		const t = open(demo, '');
		await t.waitFor('which environment?');
		await t.press('Escape', 'switchyard exited with 0', 15_000);
		expect(demo.generations('stage-1')).toEqual([]);
	});

	it('--env production opens on production at once, and says so', async () => {
		const demo = await consoleFleet();
		const t = open(demo, '--env production');
		const grid = await t.waitFor('of 1 selected', 15_000);
		expect(grid.split('\n')[0]).toMatch(/^ ▲ PRODUCTION production {2}│ Switchyard demo │ 0 of 1 selected/);
		expect(grid).not.toContain('which environment?');
		// In red, inverse: it stands out.
		// eslint-disable-next-line no-control-regex -- the SGR codes are what is asserted
		const codes = /^((?:\u001b\[[0-9;]*m)*) ▲ PRODUCTION production/.exec(t.capture({ ansi: true }).split('\n')[0]!)?.[1] ?? '';
		const attributes = codes.match(/\d+/g) ?? [];
		expect(attributes).toContain('7');
		expect(attributes).toContain('31');
		await t.press('q', 'switchyard exited with 0', 15_000);
	});

	it('E leaves one environment for another without leaving the console', async () => {
		const demo = await consoleFleet();
		const t = open(demo, '--env production');
		await t.waitFor('of 1 selected', 15_000);
		await t.press('E', 'which environment?', 15_000);
		const staging = await t.press('Enter', (screen) => screen.split('\n')[0]!.startsWith(' staging') && screen.includes('of 2 selected'), 15_000);
		expect(staging).toContain('stage-1');
		expect(staging).not.toContain('web-1');
		await t.press('q', 'switchyard exited with 0', 15_000);
	});
});
