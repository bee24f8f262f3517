import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, trackedFleets } from '../support/local-fleet.js';
import { hasTool } from '../support/require-tool.js';
import { TmuxTerminal } from '../support/tmux.js';

/**
 * The built CLI in a real terminal (tmux, 100×30): the console opened after headless runs
 * remembers how each host ended and shows what the hosts say; started with `--canary @canary`
 * it switches in those waves and says so on every host.
 */
const fleet = trackedFleets();
let terminal: TmuxTerminal | undefined;
afterEach(() => {
	terminal?.kill();
	terminal = undefined;
});

/** A tile's lines, from its header down: the columns under `[○◉] host`. */
function tile(screen: string, host: string): string {
	const lines = screen.split('\n');
	const row = lines.findIndex((line) => new RegExp(`[○◉] ${host} `).test(line));
	if (row < 0) return '';
	const header = [...lines[row]!];
	const column = header.findIndex((char, at) => (char === '○' || char === '◉') && header.slice(at + 2, at + 2 + host.length).join('') === host);
	return lines
		.slice(row, row + 5)
		.map((line) => [...line].slice(Math.max(0, column - 2), column + 30).join(''))
		.join('\n');
}

const open = (config: string, dir: string, flags = '') =>
	TmuxTerminal.start({ command: `node ${cli} --config ${config} ${flags}; echo "switchyard exited with $?"; exec cat`, cwd: dir, env: { TERM: 'xterm-256color' } });

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('the console in a real terminal, after runs and in waves', () => {
	it('reopened after a failed run, shows each host as it last ended before any key, then the drift the hosts read back', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'), '');
		const failed = await demo.run('deploy', '--yes', '--skip-build');
		expect(failed.exitCode).toBe(1);
		expect(demo.current('bravo')).toBe(1);

		terminal = open(demo.config, demo.dir);
		// No key pressed: the records say how the last deploy ended on each host.
		const screen = await terminal.waitFor((text) => text.includes('last recorded: ↺ 1 rolled back · ✓ 1 ok') && text.includes('1 host not on release'), 20_000, 'the recalled outcomes and the drift');
		expect(tile(screen, 'bravo')).toContain('↺ rolled back');
		expect(tile(screen, 'bravo')).toMatch(/↺ GET http:\/\/127\.0\.0\.1:\d+\/h/);
		expect(tile(screen, 'bravo')).toMatch(/p✓ u✓ s✓ v✗ c✓/);
		expect(tile(screen, 'bravo')).toContain('gen 1');
		expect(tile(screen, 'alpha')).toContain('✓ ok');
		expect(tile(screen, 'alpha')).toContain('gen 2');
		// `f` finds the host that failed, with nothing run in this console.
		await terminal.press('f', (text) => /[▸] ?[○◉] bravo /.test(text) || text.includes('host 2/2'));
		await terminal.press('q', 'switchyard exited with 0');
	});

	it('started with --canary @canary: the question shows the waves, the later wave waits, a declined wave leaves it staged', async () => {
		const demo = await fleet(['alpha', 'bravo'], { hostToml: { bravo: 'tags = ["canary"]' } });
		terminal = open(demo.config, demo.dir, '--canary @canary');
		const t = terminal;
		await t.waitFor((text) => text.includes('0 of 2 selected') && text.includes('canary @canary'), 20_000, 'the header with the canary');
		await t.press('a', '2 of 2 selected');
		const question = await t.press('d', 'Switch now? [y/N]', 60_000);
		expect(question).toContain('wave 1 (canary): bravo · wave 2: 1 host');
		const between = await t.press('y', 'Continue with wave 2?', 60_000);
		expect(tile(between, 'alpha')).toContain('◐ waiting for wave 2');
		expect(demo.current('bravo')).toBe(1);
		expect(demo.current('alpha')).toBeNull();
		const declined = await t.press('n', (text) => tile(text, 'alpha').includes('◐ not switched'), 30_000);
		expect(tile(declined, 'alpha')).not.toContain('✗');
		expect(demo.current('alpha')).toBeNull();
		await t.press('q', 'switchyard exited with 3');
	});
});
