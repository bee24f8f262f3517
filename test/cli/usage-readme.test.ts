import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, optionTable, usage } from '../../source/cli/arguments.js';
import { repo } from '../support/local-fleet.js';

/** The README's "Headless CLI" section, up to the next heading. */
function headlessSection(readme: string): string {
	return readme.split(/^## /m).find((part) => part.startsWith('Headless CLI\n')) ?? '';
}

describe('the README usage text', () => {
	const section = headlessSection(readFileSync(path.join(repo, 'README.md'), 'utf8'));

	it('is `switchyard --help` verbatim', () => {
		expect(section, 'paste source/cli/arguments.ts `usage` into README.md "## Headless CLI"').toContain(`\`\`\`text\n${usage}\n\`\`\``);
	});

	const flags = [...new Set(usage.match(/(?<![\w-])--?[a-z][a-z-]*/g) ?? [])];

	it.each(flags)('has a row for %s in the flags table', (flag) => {
		const rows = section.split('\n').filter((line) => line.startsWith('| `'));
		expect(rows.some((row) => new RegExp(`\`${flag}(?![\\w-])`).test(row)), `README.md "## Headless CLI" needs a table row naming \`${flag}\``).toBe(true);
	});

	it('has the table of which command takes which option, as the parser reads it', () => {
		const columns = ['console', ...commands.filter((command) => command !== 'help')];
		const table = [
			`| option | ${columns.map((command) => (command === 'console' ? '(console)' : command)).join(' | ')} |`,
			`| --- | ${columns.map(() => ':-:').join(' | ')} |`,
			...Object.entries(optionTable)
				.filter(([name]) => name !== 'help' && name !== 'version')
				.map(([name, spec]) => `| \`--${name}\` | ${columns.map((command) => ((spec.takenBy as readonly string[]).includes(command) ? '✓' : '')).join(' | ')} |`),
		].join('\n');
		expect(section, 'README.md "## Headless CLI" needs the option × command table generated from optionTable').toContain(table);
	});
});
