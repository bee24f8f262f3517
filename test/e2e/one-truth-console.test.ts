import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { processesWithArgv } from '../support/processes.js';
import { hasTool } from '../support/require-tool.js';
import { tileLine, TmuxTerminal } from '../support/tmux.js';
import { waitFor } from '../support/wait-for.js';

/**
 * One truth (issue #10) in a real terminal: what the console shows, records, prints after it
 * closes and exits with is what the headless CLI says for the same work.
 */

const fleet = trackedFleets();
let terminal: TmuxTerminal | undefined;

afterEach(() => {
	terminal?.kill();
	terminal = undefined;
});

/** The console on `demo`, followed by its exit status; `cat` keeps the pane open to read what it printed. */
function openConsole(demo: LocalFleet, env: Record<string, string> = {}): TmuxTerminal {
	terminal = TmuxTerminal.start({
		command: `node ${cli} --config ${demo.config}; echo "switchyard exited with $?"; exec cat`,
		cwd: demo.dir,
		columns: 120,
		rows: 36,
		env: { TERM: 'xterm-256color', ...env },
	});
	return terminal;
}


const runIds = (demo: LocalFleet): string[] => readdirSync(path.join(demo.dir, '.switchyard', 'runs')).sort();
const eventsOf = (demo: LocalFleet, runId: string) =>
	readFileSync(path.join(demo.dir, '.switchyard', 'runs', runId, 'events.jsonl'), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });

/** A record's shape, for comparing console and headless runs of the same work: event types and phases, no times or text. */
const shapeOf = (events: readonly { type: string; [key: string]: unknown }[]) =>
	events.filter((event) => event.type !== 'log').map((event) => [event.type, event.host ?? '', event.phase ?? '', event.status ?? '', event.outcome ?? ''].join(':'));

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('one truth, in the console', () => {
	it('records console runs like headless ones, and prints the same summary when it closes', async () => {
		const demo = await fleet(['alpha']);
		const t = openConsole(demo);
		await t.waitFor((screen) => screen.includes('0 of 1 selected') && tileLine(screen, 'alpha', 0).includes('gen ∅'), 15_000, 'the grid');
		await t.press('d', 'Switch now? [y/N]', 30_000);
		await t.press('y', (screen) => tileLine(screen, 'alpha', 1).includes('✓ ok'), 30_000);
		const [consoleRun] = runIds(demo);
		expect(consoleRun).toBeDefined();

		const after = await t.press('q', 'switchyard exited with 0');
		expect(after).toContain('Summary: ✓ 1 ok (1 host)');
		expect(after).toContain('  ✓ 1 ok: alpha');
		expect(after).toContain(`Run recorded in ${path.join(demo.dir, '.switchyard', 'runs', consoleRun!)}`);

		// The same work headless: the same events in the same order, the same summary.
		const headless = await demo.run('deploy', '--yes');
		expect(headless.exitCode).toBe(0);
		const headlessRun = runIds(demo).at(-1)!;
		const consoleEvents = eventsOf(demo, consoleRun!);
		const headlessEvents = eventsOf(demo, headlessRun);
		expect(shapeOf(consoleEvents)).toEqual(shapeOf(headlessEvents));
		const summaryOf = (events: typeof consoleEvents) => (events.at(-1) as unknown as { summary: { outcomes: unknown } }).summary.outcomes;
		expect(summaryOf(consoleEvents)).toEqual(summaryOf(headlessEvents));
		for (const run of [consoleRun!, headlessRun]) expect(readFileSync(path.join(demo.dir, '.switchyard', 'runs', run, 'hosts', 'alpha.log'), 'utf8')).toMatch(/✓ ok/);

		const listed = await demo.run('runs');
		expect(listed.stdout).toContain(consoleRun);
		expect(listed.stdout).toContain(headlessRun);
	}, 120_000);

	it('after an automatic rollback the tile says so: v✗, rolled back, and a border unlike a healthy host', async () => {
		const demo = await fleet(['alpha', 'bravo']);
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('alpha'), 'shared', 'data', 'break-new'), '');
		const t = openConsole(demo);
		await t.waitFor((screen) => tileLine(screen, 'bravo', 0).includes('gen 1'), 15_000, 'the grid');
		await t.press('a', '2 of 2 selected');
		await t.press('d', 'Switch now? [y/N]', 30_000);
		const screen = await t.press('y', (text) => tileLine(text, 'alpha', 1).includes('rolled back') && tileLine(text, 'bravo', 1).includes('✓ ok'), 60_000);
		expect(tileLine(screen, 'alpha', 2)).toMatch(/s✓ v✗/);
		expect(tileLine(screen, 'alpha', 0)).toContain('gen 1');
		// Border colours: bravo's is the healthy grey, alpha's yellow. (Focus is elsewhere: `a` keeps it on alpha, so move it.)
		await t.press('Right', (text) => /▸◉ bravo/.test(text));
		const coloured = t.capture({ ansi: true }).split('\n');
		const alphaRow = t.capture().split('\n').findIndex((line) => /[○◉] alpha /.test(line));
		// SGR 33 (yellow) right before the tile's side border.
		expect(coloured[alphaRow + 1]).toContain('\u001b[33m│');
		expect(demo.current('alpha')).toBe(1);
		expect(demo.current('bravo')).toBe(2);
		await t.press('q', 'switchyard exited with 1');
	}, 120_000);

	it('a declined switch exits 3 from the console, as headless', async () => {
		const demo = await fleet(['alpha']);
		const t = openConsole(demo);
		await t.waitFor((screen) => tileLine(screen, 'alpha', 0).includes('gen ∅'), 15_000, 'the grid');
		await t.press('d', 'Switch now? [y/N]', 30_000);
		await t.press('n', (screen) => tileLine(screen, 'alpha', 1).includes('staged'), 30_000);
		const after = await t.press('q', 'switchyard exited with');
		expect(after, after).toContain('switchyard exited with 3');
		expect(after).toMatch(/◐ alpha +staged, not switched — not switched \(confirmation declined\); generation 1 staged · no generation/);
		const headless = await demo.run('deploy');
		expect(headless.exitCode).toBe(3);
	}, 120_000);

	it('quitting mid-run cancels, then prints the summary and exits 130', async () => {
		// A sleep no other test runs: the test finds it on the host (this machine) to quit while it runs.
		const demo = await fleet(['alpha', 'bravo'], { hostToml: { alpha: 'dry_run = "sleep 621"' } });
		const t = openConsole(demo);
		await t.waitFor((screen) => tileLine(screen, 'bravo', 0).includes('gen ∅'), 15_000, 'the grid');
		await t.press('a', '2 of 2 selected');
		await t.press('d', (screen) => screen.includes('deploy running'), 30_000);
		await waitFor(() => processesWithArgv(['sleep', '621']).length > 0 && existsSync(path.join(demo.root('alpha'), '.lock')), "alpha's dry run to run, holding the lock");
		await t.press('q', 'Quit anyway?');
		const after = await t.press('y', 'switchyard exited with', 30_000);
		expect(after).toContain('switchyard exited with 130');
		expect(after).toMatch(/Summary: .*cancelled/);
		expect(after).toMatch(/⊘ \d cancelled: alpha/);
		expect(demo.current('alpha')).toBeNull();
		await waitFor(() => processesWithArgv(['sleep', '621']).length === 0, 'the dry run to be stopped on the host');
	}, 120_000);
});
