import { describe, expect, it } from 'vitest';
import { commandUsage, commands, optionTable, parseArguments, usage } from '../../source/cli/arguments.js';

const refusal = (...argv: string[]): string => {
	try {
		parseArguments(argv);
	} catch (error) {
		return (error as Error).message;
	}
	throw new Error(`${argv.join(' ')} was accepted`);
};

describe('every flag honoured or refused, per command', () => {
	it('refuses a flag the command would ignore, naming the commands that take it', () => {
		expect(refusal('generations', '--canary', '2')).toBe('--canary goes with the console (no command) and deploy, not generations (switchyard help generations lists what it takes)');
		expect(refusal('check', '--yes')).toBe('--yes goes with deploy and rollback, not check (switchyard help check lists what it takes)');
		expect(refusal('--yes')).toBe('--yes goes with deploy and rollback, not the console (no command)');
		expect(refusal('deploy', '-f')).toMatch(/^-f goes with logs, not deploy/);
		expect(refusal('runs', '--jobs', '2')).toMatch(/^--jobs goes with the console \(no command\), deploy, generations, rollback, check and logs, not runs/);
	});

	it('takes what each command uses', () => {
		expect(parseArguments(['deploy', '--canary', '@canary', '--batch', '25%', '--max-failures', '2', '--yes']).waves).toEqual({ canary: ['@canary'], batch: '25%', maxFailures: 2 });
		expect(parseArguments(['--canary', 'delta,web-01']).waves.canary).toEqual(['delta', 'web-01']);
		expect(parseArguments(['--dry-run', '--skip-services'])).toMatchObject({ command: 'console', plan: 'dry-run', phases: ['build', 'preflight'], skips: { services: true } });
		expect(parseArguments(['runs', '--host', 'alpha', '--json'])).toMatchObject({ command: 'runs', hosts: ['alpha'], json: true });
		expect(parseArguments(['logs', '--json', '-n', '5'])).toMatchObject({ command: 'logs', json: true, lines: 5 });
	});

	it('has one row per option, and every command it names is a command', () => {
		for (const spec of Object.values(optionTable)) for (const command of spec.takenBy) expect(['console', ...commands]).toContain(command);
	});
});

describe('did you mean', () => {
	it('suggests the command meant, and lists only the commands the usage shows', () => {
		expect(refusal('deplyo')).toBe('unknown command "deplyo"; did you mean deploy? (commands: deploy, generations, rollback, check, logs, runs, help; none opens the console)');
		expect(refusal('console')).toMatch(/^unknown command "console"/);
	});

	it('suggests the flag meant among the command\'s own', () => {
		expect(refusal('deploy', '--canry', '1')).toBe('unknown option --canry; did you mean --canary?');
		expect(refusal('rollback', '--too', '2')).toBe('unknown option --too; did you mean --to?');
		expect(refusal('deploy', '--zzzzzz')).toBe('unknown option --zzzzzz');
	});
});

describe('per-command help', () => {
	it('reads `help deploy` and `deploy --help` as the same question', () => {
		expect(parseArguments(['help', 'deploy'])).toMatchObject({ command: 'help', topic: 'deploy' });
		expect(parseArguments(['deploy', '--help'])).toMatchObject({ command: 'help', topic: 'deploy' });
		expect(parseArguments(['--help'])).toMatchObject({ command: 'help' });
		expect(parseArguments(['--help']).topic).toBeUndefined();
		expect(refusal('help', 'deplyo')).toBe('no command "deplyo" to explain; did you mean deploy? (commands: deploy, generations, rollback, check, logs, runs, help)');
	});

	it("lists the command's own options and examples", () => {
		const deploy = commandUsage('deploy');
		expect(deploy).toMatch(/^switchyard deploy \[options\]\n\nBuild, stage on every host/);
		expect(deploy).toMatch(/^ {6}--canary @TAG\|NAME,…\|N +these hosts switch and validate first/m);
		expect(deploy).toMatch(/^ {2}-y, --yes +switch without asking/m);
		expect(deploy).toContain('Examples:\n  switchyard deploy --yes');
		expect(deploy).not.toContain('--to ');
		expect(commandUsage('generations')).not.toContain('--canary');
	});

	it('shows help among the commands in the usage, and no `console` command', () => {
		expect(usage).toContain('switchyard help [COMMAND]');
		expect(usage).not.toMatch(/switchyard console/);
	});
});
