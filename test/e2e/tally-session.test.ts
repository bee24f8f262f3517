import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { hasTool } from '../support/require-tool.js';
import { tileLine, TmuxTerminal } from '../support/tmux.js';
import { waitFor } from '../support/wait-for.js';

/**
 * One tally, told the same on every surface (issue #19), in a real terminal: the console's
 * status bar and the summary it prints when it closes, against `switchyard runs`, the run
 * record and the exit status.
 */

const fleet = trackedFleets();
let terminal: TmuxTerminal | undefined;

afterEach(() => {
	terminal?.kill();
	terminal = undefined;
});

function openConsole(demo: LocalFleet, args = '', columns = 120, rows = 36): TmuxTerminal {
	terminal = TmuxTerminal.start({
		command: `node ${cli} --config ${demo.config} ${args}; echo "switchyard exited with $?"; exec cat`,
		cwd: demo.dir,
		columns,
		rows,
		env: { TERM: 'xterm-256color' },
	});
	return terminal;
}


/** The status bar's first line: the last line but one on screen. */
const statusLine = (screen: string): string => screen.replace(/\n+$/, '').split('\n').at(-2) ?? '';

/** Each tally bucket a line names, as [mark, count], in the order it names them. */
const buckets = (line: string): [string, number][] => [...line.matchAll(/([‼✗↺◐⊘–↩✓]) (\d+) /g)].map((match) => [match[1]!, Number(match[2])]);


const runsDir = (demo: LocalFleet) => path.join(demo.dir, '.switchyard', 'runs');

describe.runIf(hasTool('tmux', 'apt-get install tmux'))('one tally, in a real terminal', () => {
	it("the console's closing summary lists every run of the session, an operator's rollback as one", async () => {
		const demo = await fleet(['alpha', 'bravo']);
		for (let run = 0; run < 2; run += 1) expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		const t = openConsole(demo);
		await t.waitFor((screen) => tileLine(screen, 'bravo', 0).includes('gen 2'), 15_000, 'the grid');
		await t.press('d', 'Switch now? [y/N]', 30_000);
		await t.press('y', (screen) => tileLine(screen, 'alpha', 0).includes('gen 3') && statusLine(screen).includes('deploy finished'), 60_000);
		await t.press('Right', /▸[○◉] bravo/);
		await t.press('g', /●\s+2 .*\(current\)/, 20_000);
		await t.press('j', /▸\s+1 /);
		await t.press('r', 'Roll back bravo to generation 1');
		await t.press('y', (screen) => statusLine(screen).includes('rollback finished'), 60_000);
		expect(demo.current('bravo')).toBe(1);
		const after = await t.press('q', 'switchyard exited with');
		expect(after).toContain('switchyard exited with 0');
		expect(after).toContain('Session: 2 runs');
		const runIds = readdirSync(runsDir(demo)).sort().slice(-2);
		expect(after).toMatch(new RegExp(`^ {2}deploy +\\S+ +✓ 1 ok \\(1 host\\) +run ${runIds[0]}$`, 'm'));
		expect(after).toMatch(new RegExp(`^ {2}rollback +.+ +↩ 1 rolled back by operator \\(1 host\\) +run ${runIds[1]}$`, 'm'));
		expect(after).not.toContain('passed');
	}, 180_000);

	it('a run with every outcome at once: status bar, closing summary, runs, record and exit status agree', async () => {
		const names = ['alpha', 'bravo', 'charlie', 'echo', 'delta'];
		const demo = await fleet(names, { hostToml: { charlie: 'health = { command = "test ! -f data/sick" }' } });
		writeFileSync(demo.config, readFileSync(demo.config, 'utf8').replace('[defaults]\n', '[defaults]\ncanary = 4\nmax_failures = 1\n'));
		expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(demo.root('bravo'), 'shared', 'data', 'break-new'), '');
		writeFileSync(path.join(demo.root('charlie'), 'shared', 'data', 'sick'), '');

		const t = openConsole(demo, '--jobs 1', 160, 40);
		await t.waitFor((screen) => screen.includes('0 of 5 selected') && tileLine(screen, 'delta', 0).includes('gen 1'), 15_000, 'the grid');
		await t.press('a', '5 of 5 selected');
		await t.press('d', 'Switch now? [y/N]', 60_000);
		t.send('y');
		// charlie's switch has begun (it finishes); echo, next in the wave, is cancelled before its switch.
		await waitFor(() => demo.current('charlie') === 2, "charlie's switch", 120_000);
		await t.press('c', (screen) => statusLine(screen).includes('deploy cancelling') || statusLine(screen).includes('deploy finished'));
		const screen = await t.waitFor((text) => statusLine(text).includes('deploy finished'), 120_000, 'the run to finish');
		const expected: [string, number][] = [
			['‼', 1],
			['↺', 1],
			['◐', 1],
			['⊘', 1],
			['✓', 1],
		];
		expect(buckets(statusLine(screen)), statusLine(screen)).toEqual(expected);

		const after = await t.press('q', 'switchyard exited with', 30_000);
		expect(after).toContain('switchyard exited with 130');
		const headline = after.split('\n').find((line) => line.startsWith('Summary: '))!;
		expect(headline).toBe('Summary: run cancelled · ‼ 1 manual intervention · ↺ 1 rolled back · ◐ 1 staged, not switched · ⊘ 1 cancelled · ✓ 1 ok (5 hosts)');
		expect(after).toMatch(/^ {2}‼ charlie +MANUAL INTERVENTION REQUIRED — .*switched back to generation 1/m);
		expect(after).toContain('  ⊘ 1 cancelled: echo');
		expect(after).toContain('  ✓ 1 ok: alpha');

		const runId = readdirSync(runsDir(demo)).sort().at(-1)!;
		const row = (await demo.run('runs')).stdout.split('\n').find((line) => line.startsWith(runId))!;
		expect(buckets(row)).toEqual(expected);
		const json = (await demo.run('runs', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { runId: string; tally: { counts: Record<string, number> } });
		const counts = { manual: 1, failed: 0, 'rolled-back': 1, staged: 1, cancelled: 1, skipped: 0, 'operator-rollback': 0, ok: 1 };
		expect(json.find((each) => each.runId === runId)?.tally).toEqual({ total: 5, dryRun: false, interrupted: true, counts });
		const events = readFileSync(path.join(runsDir(demo), runId, 'events.jsonl'), 'utf8').trim().split('\n');
		expect(JSON.parse(events.at(-1)!).summary.tally.counts).toEqual(counts);
		expect(readFileSync(path.join(runsDir(demo), runId, 'summary.txt'), 'utf8')).toContain(headline);
		expect(demo.current('alpha')).toBe(2);
		for (const name of ['bravo', 'charlie', 'echo', 'delta']) expect(demo.current(name)).toBe(1);
	}, 240_000);
});
