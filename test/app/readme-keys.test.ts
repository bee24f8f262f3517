import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyLabel, keymap } from '../../source/app/keymap.js';
import { repo } from '../support/local-fleet.js';

/**
 * The README's key table is for people deciding whether to use the console; it must say what
 * the keys really do. Every binding in keymap.ts needs a row whose "what it does" cell is the
 * binding's label and whose keys cell names each of its keys, as the help overlay spells them.
 */
function consoleKeyRows(readme: string): { keys: string; label: string }[] {
	const section = readme.split(/^## /m).find((part) => part.startsWith('The console\n')) ?? '';
	return section
		.split('\n')
		.filter((line) => line.startsWith('|') && !line.startsWith('| ---'))
		.map((line) => line.split('|').map((cell) => cell.trim()))
		.map(([, keys = '', label = '']) => ({ keys, label }));
}

describe('the README key table', () => {
	const rows = consoleKeyRows(readFileSync(path.join(repo, 'README.md'), 'utf8'));

	it('is in the console section', () => {
		expect(rows.length).toBeGreaterThan(1);
	});

	it.each(keymap.map((binding) => [binding.label, binding] as const))('has a row for "%s" with its keys', (label, binding) => {
		const row = rows.find((candidate) => candidate.label === label && binding.keys.every((key) => candidate.keys.includes(`\`${keyLabel(key)}\``)));
		expect(row, `README.md "## The console" needs a row: | ${binding.keys.map((key) => `\`${keyLabel(key)}\``).join(' ')} | ${label} | … |`).toBeDefined();
	});
});
