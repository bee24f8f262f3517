import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, repo, trackedFleets } from '../support/local-fleet.js';
import { hasTool } from '../support/require-tool.js';
import { TmuxTerminal } from '../support/tmux.js';

/**
 * The console at fleet scale (issue #12), in a real terminal: the built CLI in tmux on 200 local
 * hosts at 80×24 and 120×40 (the host table, typeahead, a pasted filter, sort, jump to failed,
 * paging, search), and on the demo fleet (a filtered deploy, the diff of version.txt in the
 * switch question). Keys go in as tmux sends them; every step waits for what the screen shows.
 */

const fleet = trackedFleets();
let terminal: TmuxTerminal | undefined;

afterEach(() => {
	terminal?.kill();
	terminal = undefined;
});

/** Hosts whose dry run fails: each prints a line the search looks for. */
const failing = ['node-037', 'node-074', 'node-148'];

/** 200 local hosts with a one-file build; three fail their dry run. */
function bigFleet(): { dir: string; config: string } {
	const base = path.join(repo, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const dir = mkdtempSync(path.join(base, 'fleet-200-'));
	const hosts = Array.from({ length: 200 }, (_, index) => {
		const name = `node-${String(index + 1).padStart(3, '0')}`;
		const dryRun = failing.includes(name) ? 'dry_run = "echo disk-check-$((6*7)); echo not enough space; false"\n' : '';
		return `[[host]]\nname = "${name}"\nlocal = true\ntags = ["${['web', 'api', 'db'][index % 3]}", "${index % 2 === 0 ? 'eu' : 'us'}"]\n${dryRun}`;
	});
	const config = path.join(dir, 'hosts.toml');
	writeFileSync(config, ['[app]\nname = "fleet"\n', '[build]\ncommand = "mkdir -p dist && echo $SWITCHYARD_RELEASE > dist/version.txt"\nartifact = "dist"\n', '[defaults]\nroot = "hosts/{host}"\njobs = 16\n', ...hosts].join('\n'));
	return { dir, config };
}

function open(config: string, cwd: string, columns: number, rows: number): TmuxTerminal {
	terminal = TmuxTerminal.start({ command: `node ${cli} --config ${config}; echo "switchyard exited with $?"; exec cat`, cwd, columns, rows, env: { TERM: 'xterm-256color' } });
	return terminal;
}

/** The table row of a host: `▸◉ ✗ node-037 …`, focus and selection marks first. */
const row = (screen: string, host: string): string => screen.split('\n').find((line) => line.includes(` ${host} `)) ?? '';
const focusedRow = (screen: string): string => screen.split('\n').find((line) => /^▸[○◉] /.test(line)) ?? '';
/** The highlighted line of a pick list (`▸~ version.txt`). */
const highlighted = (screen: string): string => screen.split('\n').find((line) => line.startsWith('▸')) ?? '';
const fits = (screen: string, columns: number, rows: number) => {
	const lines = screen.replace(/\n+$/, '').split('\n');
	expect(lines.length).toBeLessThanOrEqual(rows);
	for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns);
};

/** tmux pastes the buffer as a terminal does: bracketed, since the console asked for it. */
function paste(t: TmuxTerminal, text: string): void {
	t.tmux('set-buffer', '--', text);
	t.tmux('paste-buffer', '-p', '-t', t.session);
}

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('the console at fleet scale, in a real terminal', () => {
	it('200 hosts at 80×24: the table, typeahead, a pasted filter, dry run, jump to failed, sort, paging, search', async () => {
		const { dir, config } = bigFleet();
		const t = open(config, dir, 80, 24);
		let screen = await t.waitFor((text) => text.includes('0 of 200 selected') && /host +(tags +)?gen +phases/.test(text) && text.includes('more ↓'), 20_000, 'the host table');
		fits(screen, 80, 24);
		expect(row(screen, 'node-001')).toMatch(/^▸○/);

		// Four j in one write: four rows down.
		t.send('-l', 'jjjj');
		screen = await t.waitFor((text) => focusedRow(text).includes('node-005'), 10_000, 'the focus on node-005');
		expect(screen).toContain('host 5/200');

		// A pasted filter: typed into the filter line, enter keeps it.
		t.send('/');
		await t.waitFor('/ ▏', 5_000, 'the filter line');
		paste(t, 'node-1?7');
		await t.waitFor('/ node-1?7▏', 5_000, 'the pasted text in the filter line');
		screen = await t.press('Enter', 'filter node-1?7 (10 match)');
		expect(screen).not.toContain('node-001');
		expect(row(screen, 'node-197')).not.toBe('');
		// The filter gone, the focus stays on the host it was on.
		await t.press('Escape', (text) => !text.includes('filter node-1?7') && focusedRow(text).includes('node-107') && text.includes('more ↑'));

		// The dry-run plan (p, j, enter typed ahead in one write), all hosts, deploy.
		t.send('-l', 'pj');
		t.send('Enter');
		await t.waitFor('plan dry-run', 10_000, 'the dry-run plan');
		await t.press('a', '200 of 200 selected');
		await t.press('d', 'deploy running', 20_000);
		screen = await t.waitFor((text) => text.includes('deploy finished'), 120_000, 'the dry run of 200 hosts');
		expect(screen).toMatch(/✗ 3 failed/);
		fits(screen, 80, 24);

		// f and F walk the failed hosts in display order; the focus row says why each failed.
		t.send('Home');
		await t.waitFor((text) => focusedRow(text).includes('node-001'), 5_000, 'the first host');
		screen = await t.press('f', (text) => focusedRow(text).includes('node-037'));
		expect(focusedRow(screen)).toMatch(/✗ node-037 .*✗ dry run failed/);
		await t.press('f', (text) => focusedRow(text).includes('node-074'));
		await t.press('F', (text) => focusedRow(text).includes('node-037'));

		// Sorted by state: the failed hosts first, the focus still on node-037.
		screen = await t.press('s', (text) => text.includes('by state') && focusedRow(text).includes('node-037'));
		const rows = screen.split('\n').filter((line) => /node-\d{3} /.test(line));
		expect(rows.slice(0, 3).map((line) => /node-\d{3}/.exec(line)?.[0])).toEqual(failing);

		// Paging: PgDn leaves hosts above, End reaches the last one, Home the first.
		screen = await t.press('PageDown', (text) => /\d+ more ↑/.test(text));
		await t.press('End', (text) => !text.includes('more ↓') && /^▸◉ ✓/m.test(text));
		await t.press('Home', (text) => focusedRow(text).includes('node-037') && !text.includes('more ↑'));

		// Search the all-hosts log: n and N walk every match, the counter says which.
		await t.press('v', 'all hosts log');
		t.send('/');
		await t.waitFor('search: ▏', 5_000, 'the search line');
		t.send('-l', 'check-42');
		await t.press('Enter', '"check-42" 3/3');
		await t.press('n', '"check-42" 2/3');
		await t.press('n', '"check-42" 1/3');
		screen = await t.press('n', '"check-42" 3/3');
		expect(screen).toContain('search wrapped');
		expect(screen).toMatch(/^»node-148│disk-check-42/m);
		await t.press('N', '"check-42" 1/3');
		// The summary: the 3 that failed one by one, the 197 others on one counted line; 3 failed: exit 1.
		screen = await t.press('q', 'switchyard exited with 1');
		expect(screen).toContain('Summary: dry run · ✗ 3 failed · ✓ 197 ok (200 hosts)');
		expect(screen).toMatch(/✓ 197 ok: node-001, node-002/);
		expect(screen).toContain('Run recorded in');
	}, 240_000);

	it('200 hosts at 120×40: the table with tags, grouped by tag, paging by a page, typeahead while idle', async () => {
		const { dir, config } = bigFleet();
		const t = open(config, dir, 120, 40);
		let screen = await t.waitFor((text) => text.includes('0 of 200 selected') && /host +tags +gen +phases/.test(text), 20_000, 'the host table with tags');
		fits(screen, 120, 40);
		expect(row(screen, 'node-001')).toMatch(/node-001 +@web @eu/);
		t.send('-l', 'jjjj');
		await t.waitFor((text) => focusedRow(text).includes('node-005'), 10_000, 'the focus four rows down');
		// Grouped by the first tag: node-005 (@api) moves below the 67 @web hosts; the focus goes with it.
		screen = await t.press('@', (text) => text.includes('grouped by tag 1') && /── @api ─/.test(text) && focusedRow(text).includes('node-005'));
		screen = await t.press('Home', (text) => /── @web ─/.test(text) && focusedRow(text).includes('node-001'));
		expect(screen.split('\n')[2]).toMatch(/── @web ─/);
		screen = await t.press('PageDown', (text) => /\d+ more ↑/.test(text));
		fits(screen, 120, 40);
		await t.press('q', 'switchyard exited with 0');
	}, 120_000);

	it('on the demo: d with a filter deploys only what it shows; the switch question shows the diff of version.txt', async () => {
		const demo = await fleet(['alpha', 'bravo', 'charlie', 'delta']);
		const t = open(demo.config, demo.dir, 100, 30);
		await t.waitFor((text) => text.includes('0 of 4 selected') && /[○◉] delta /.test(text), 20_000, 'the tiles');
		await t.press('a', '4 of 4 selected');
		t.send('/');
		await t.waitFor('/ ▏', 5_000, 'the filter line');
		t.send('-l', 'char');
		await t.press('Enter', 'filter char (1 match)');
		let screen = await t.press('d', 'Switch now? [y/N]', 60_000);
		expect(screen).toMatch(/Switch 1 staged host to release \d{8}-\d{6}-/);
		expect(screen).toContain('3 selected hosts hidden by the filter left out: alpha, bravo, delta');
		await t.press('y', (text) => /✓ ok/.test(text) && text.includes('deploy finished'), 60_000);
		expect(demo.current('charlie')).toBe(1);
		for (const host of ['alpha', 'bravo', 'delta']) expect(demo.current(host)).toBeNull();
		const firstRelease = readFileSync(path.join(demo.root('charlie'), 'generations', '1', 'version.txt'), 'utf8').trim();

		// All four again, from charlie's tile: its change is version.txt (and the page) from one release to the next.
		await t.press('Escape', (text) => text.includes('4 of 4 selected') && /[○◉] alpha /.test(text));
		screen = await t.press('d', 'Switch now? [y/N]', 60_000);
		expect(screen).toMatch(/▸ charlie +1 → 2/);
		screen = await t.press('v', 'Changes on charlie');
		expect(screen).toMatch(/~ version\.txt/);
		// Down the list to version.txt: each j moves the highlight; a handful of files, so a bounded walk.
		for (let presses = 0; presses < 10 && !highlighted(t.capture()).includes('version.txt'); presses += 1) {
			const before = highlighted(t.capture());
			await t.press('j', (text) => text.includes('Changes on charlie') && highlighted(text) !== before);
		}
		expect(highlighted(t.capture())).toContain('version.txt');
		screen = await t.press('Enter', (text) => text.includes('version.txt on charlie: current → staged') && /^\+\d{8}-/m.test(text), 20_000);
		const secondRelease = /^\+(\d{8}-\S+)/m.exec(screen)?.[1];
		expect(screen).toContain(`-${firstRelease}`);
		expect(secondRelease).toBeDefined();
		expect(secondRelease).not.toBe(firstRelease);
		expect(demo.current('charlie')).toBe(1);
		await t.press('Escape', 'Changes on charlie');
		await t.press('Escape', 'Switch now? [y/N]');
		await t.press('n', (text) => text.includes('deploy finished'), 60_000);
		expect(demo.current('charlie')).toBe(1);
		await t.press('q', 'switchyard exited with 3');
	}, 240_000);
});
