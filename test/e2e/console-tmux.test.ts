import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, createLocalFleet, type LocalFleet } from '../support/local-fleet.js';
import { hasTool } from '../support/require-tool.js';
import { TmuxTerminal } from '../support/tmux.js';

/**
 * The built CLI in a real terminal (tmux, 100×30), driven by keys only, on two local demo hosts:
 * deploy, deploy again, roll one host back from its generation list, quit. What the operator
 * sees is read from the screen; what happened is read from the hosts' `current` links.
 */

/** A tile's first line: `│ ◉ alpha            local gen 2│` (the focused tile has `║` borders). */
function tileHeader(screen: string, host: string): string {
	return screen.split('\n').find((line) => new RegExp(`[○◉] ${host} `).test(line)) ?? '';
}

/** The tile's body lines below its header, where the phase marks and the outcome are. */
function tileBody(screen: string, host: string): string {
	const lines = screen.split('\n');
	const row = lines.findIndex((line) => new RegExp(`[○◉] ${host} `).test(line));
	if (row < 0) return '';
	const column = lines[row]!.indexOf(`${host} `);
	return lines
		.slice(row + 1, row + 4)
		.map((line) => line.slice(Math.max(0, column - 4), column + 28))
		.join('\n');
}

/** The generation the list highlights: its row starts with `▸` (then `●` when it is current). */
function highlightedGeneration(screen: string): number | null {
	const row = /^▸\S?\s+(\d+)\s/m.exec(screen);
	return row ? Number(row[1]) : null;
}

const hostsDone = (hosts: readonly string[], generation: number) => (screen: string) =>
	hosts.every((host) => tileHeader(screen, host).includes(`gen ${generation}`) && tileBody(screen, host).includes('✓ ok'));

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('the console in a real terminal', () => {
	let fleet: LocalFleet;
	let terminal: TmuxTerminal | undefined;

	beforeAll(async () => {
		fleet = await createLocalFleet(['alpha', 'bravo']);
	});

	afterAll(async () => {
		terminal?.kill();
		await fleet?.stop();
	});

	it('deploys, deploys again, rolls one host back and restores the terminal on quit', async () => {
		// The shell line after the console shows how it ended; `cat` keeps the pane open to read it.
		terminal = TmuxTerminal.start({
			command: `node ${cli} --config ${fleet.config}; echo "switchyard exited with $?"; exec cat`,
			cwd: fleet.dir,
			env: { TERM: 'xterm-256color' },
		});
		const t = terminal;

		await t.waitFor((screen) => screen.includes('0 of 2 selected') && tileHeader(screen, 'alpha') !== '' && tileHeader(screen, 'bravo') !== '', 15_000, 'the grid');
		expect(t.pane('alternate_on')).toBe('1');

		// Select both hosts and deploy; the engine stages them and asks before switching.
		await t.press('a', '2 of 2 selected');
		const confirm = await t.press('d', 'Switch now? [y/N]', 30_000);
		expect(confirm).toMatch(/Switch 2 staged hosts to release \d{8}-\d{6}-/);
		expect(confirm).toContain('all 2 hosts at once');
		expect(confirm).toMatch(/2 hosts\s+∅ → 1\s+\+\d+ ~0 -0, [\d.]+ KB\s+alpha, bravo/);
		expect(fleet.current('alpha')).toBeNull();

		const first = await t.press('y', hostsDone(['alpha', 'bravo'], 1), 30_000);
		expect(tileBody(first, 'alpha')).toMatch(/b✓ p✓ u✓ s✓ v✓/);
		expect(fleet.current('alpha')).toBe(1);
		expect(fleet.current('bravo')).toBe(1);

		// Again: generation 2 on both, from 1.
		await t.press('d', (screen) => screen.includes('Switch now? [y/N]') && /2 hosts\s+1 → 2 .*alpha, bravo/.test(screen), 30_000);
		await t.press('y', hostsDone(['alpha', 'bravo'], 2), 30_000);
		expect(fleet.current('alpha')).toBe(2);
		expect(fleet.current('bravo')).toBe(2);

		// One host only: with both selected `r` would roll back every selected host to a release.
		await t.press('a', '0 of 2 selected');
		const list = await t.press('g', (screen) => screen.includes('Generations of alpha · current 2') && highlightedGeneration(screen) === 2 && /^\s+1\s+✓ live\s+\d{4}-/m.test(screen));
		expect(list).toContain('r rolls alpha back to the highlighted generation');
		await t.press('Down', (screen) => highlightedGeneration(screen) === 1);
		const question = await t.press('r', 'Roll back alpha to generation 1 (release');
		expect(question).toContain('[y/N]');
		expect(fleet.current('alpha')).toBe(2);

		await t.press('y', (screen) => tileHeader(screen, 'alpha').includes('gen 1') && !screen.includes('[y/N]') && tileBody(screen, 'alpha').includes('↩ rolled back') && fleet.current('alpha') === 1, 30_000);
		expect(fleet.current('alpha')).toBe(1);
		expect(fleet.current('bravo')).toBe(2);
		expect(fleet.switchesLog('alpha').map((entry) => entry[4])).toEqual(['deploy', 'deploy', 'rollback']);

		// Back to the grid if the list is still open, then quit: the shell's screen comes back.
		if (t.capture().includes('Generations of alpha')) await t.press('Escape', (screen) => !screen.includes('Generations of alpha'));
		const after = await t.press('q', 'switchyard exited with 0');
		expect(after).not.toContain('Switchyard demo');
		expect(after).not.toMatch(/[○◉] alpha/);
		expect(t.pane('alternate_on')).toBe('0');
		expect(t.pane('cursor_flag')).toBe('1');
	});
});
