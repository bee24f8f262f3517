import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCounts } from '../../source/app/status-bar/status-counts.js';
import { createConsoleStore } from '../../source/store/console-store.js';
import { elapsedOf } from '../../source/store/host-view.js';
import { hostConfig, smallFleet } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { ARROW_DOWN, ENTER, ESC, PAGE_DOWN, SPACE, press, type, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

const bigFleet = (count: number) => Array.from({ length: count }, (_, index) => hostConfig(`node-${String(index + 1).padStart(3, '0')}`, [['web', 'api', 'db'][index % 3]!, index % 2 === 0 ? 'eu' : 'us']));

describe('counts and clocks tell the truth', () => {
	it('counts queued, running and waiting hosts apart, and a clock runs only while a phase of the host is under way', () => {
		let now = 0;
		const hosts = ['a', 'b', 'c'].map((name) => hostConfig(name));
		const store = createConsoleStore({ hosts, now: () => now });
		const state = () => store.getState();
		state().ingest({ type: 'run-started', runId: 'r', kind: 'deploy', release: 'rel', hosts: ['a', 'b', 'c'], phases: ['build', 'preflight', 'upload', 'switch'], at: '' });
		// The shared build: every host waits for it; none is being worked on.
		state().ingest({ type: 'phase', host: null, phase: 'build', status: 'running' });
		state().flush();
		expect(statusCounts(state())).toMatchObject({ running: 0, queued: 3 });
		now = 5_000;
		state().ingest({ type: 'phase', host: null, phase: 'build', status: 'ok', ms: 5000 });
		state().ingest({ type: 'phase', host: 'a', phase: 'preflight', status: 'running' });
		state().flush();
		expect(statusCounts(state())).toMatchObject({ running: 1, queued: 2 });
		expect(elapsedOf(state().hosts.b!, now)).toBeNull();
		now = 6_000;
		state().ingest({ type: 'phase', host: 'a', phase: 'preflight', status: 'ok', ms: 1000 });
		state().ingest({ type: 'phase', host: 'a', phase: 'upload', status: 'running' });
		now = 7_000;
		state().ingest({ type: 'phase', host: 'a', phase: 'upload', status: 'ok', ms: 1000 });
		state().ingest({ type: 'staged', staged: { host: 'a', from: null, to: 1, release: 'rel', diff: { added: 1, changed: 0, removed: 0, bytes: 1 } } });
		state().flush();
		// Staged, waiting for the operator: not running, and its clock stands still.
		expect(statusCounts(state())).toMatchObject({ running: 0, waiting: 1, queued: 2 });
		expect(elapsedOf(state().hosts.a!, 60_000)).toBe(2000);
		now = 70_000;
		state().ingest({ type: 'phase', host: 'a', phase: 'switch', status: 'running' });
		state().flush();
		expect(elapsedOf(state().hosts.a!, 70_500)).toBe(2500);
		state().ingest({ type: 'host-done', host: 'a', outcome: 'ok' });
		state().flush();
		expect(elapsedOf(state().hosts.a!, 99_000)).toBe(2000);
		expect(statusCounts(state())).toMatchObject({ running: 0, queued: 2, tally: { long: '✓ 1 ok', short: '✓ 1 ok', marks: '✓ 1' } });
	});
});

describe('the host table at fleet scale', () => {
	it('sorts by state with failed hosts first, jumps between them with f and F, and the focus stays on its host', async () => {
		const engine = new FakeEngine();
		engine.failing = { 'node-007': 'preflight: disk full', 'node-150': 'preflight: no route' };
		const { lastFrame, stdin, store } = await renderConsole({ hosts: bigFleet(200), engine, columns: 120, rows: 40 });
		await press(stdin, 'p');
		await waitForFrame(lastFrame, 'Phases to run');
		await press(stdin, ARROW_DOWN, ENTER);
		await waitForFrame(lastFrame, 'plan dry-run');
		await press(stdin, 'a', 'd');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
		await waitForFrame(lastFrame, '✗ 2 failed');
		// f from node-001: the next failed host in display order, then the next, then around.
		await press(stdin, 'f');
		expect(store.getState().focus).toBe('node-007');
		let frame = await waitForFrame(lastFrame, /▸◉ ✗ node-007/);
		await press(stdin, 'f');
		expect(store.getState().focus).toBe('node-150');
		frame = await waitForFrame(lastFrame, /▸◉ ✗ node-150/);
		expect(frame).toContain('no route');
		await press(stdin, 'F');
		expect(store.getState().focus).toBe('node-007');
		// Sorted by state: the failed hosts on top; the focus stays on node-007 wherever it moved.
		await press(stdin, 's');
		frame = await waitForFrame(lastFrame, 'by state');
		const rows = frame.split('\n').filter((line) => /node-\d{3}/.test(line));
		expect(rows[0]).toMatch(/▸◉ ✗ node-007/);
		expect(rows[1]).toMatch(/ ◉ ✗ node-150/);
		await press(stdin, 'j');
		expect(store.getState().focus).toBe('node-150');
		// Paging moves a window at a time; End goes to the last host.
		await press(stdin, PAGE_DOWN);
		await waitForFrame(lastFrame, /\d+ more ↑/);
		await press(stdin, '\u001B[F');
		frame = await waitForFrame(lastFrame, /▸◉ ✓ node-200/);
		expect(frame).not.toContain('more ↓');
	});

	it('groups by tag with a heading per group', async () => {
		const { lastFrame, stdin } = await renderConsole({ hosts: bigFleet(30), engine: new FakeEngine(), columns: 100, rows: 40 });
		await press(stdin, '@');
		let frame = await waitForFrame(lastFrame, 'grouped by tag 1');
		expect(frame).toMatch(/── @web ─/);
		expect(frame.indexOf('── @web')).toBeLessThan(frame.indexOf('── @api'));
		await press(stdin, '@');
		frame = await waitForFrame(lastFrame, 'grouped by tag 2');
		expect(frame).toMatch(/── @eu ─/);
		await press(stdin, '@');
		await waitForFrame(lastFrame, 'not grouped');
	});
});

describe('a filter decides what d deploys', () => {
	it('deploys only the selected hosts the filter shows, and the question says how many it left out', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'a');
		await waitForFrame(lastFrame, '5 of 5 selected');
		await press(stdin, '/');
		await type(stdin, '@db');
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'filter @db (1 match)');
		await press(stdin, 'd');
		const question = await waitForFrame(lastFrame, 'Switch now?');
		expect(engine.deploys[0]?.hosts.map((host) => host.name)).toEqual(['db-1']);
		expect(question).toContain('Switch 1 staged host to release rel-test?');
		expect(question).toContain('4 selected hosts hidden by the filter left out: web-1, web-2, web-3, edge-1');
		await press(stdin, 'n');
		await waitForFrame(lastFrame, '◐ 1 staged');
	});

	it('says so instead of deploying when every selected host is hidden', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, SPACE, '/');
		await type(stdin, '@db');
		await press(stdin, ENTER, 'd');
		await waitForFrame(lastFrame, 'the 1 selected host is hidden by the filter');
		expect(engine.deploys).toEqual([]);
	});
});

describe('seeing the change before saying yes', () => {
	it('v opens the highlighted staged host changed files, enter its diff; esc goes back to the question', async () => {
		const engine = new FakeEngine();
		// web-2's change differs from the others': a line of its own, below theirs.
		engine.diffs['web-2'] = { added: 0, changed: 1, removed: 0, bytes: 4 };
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine, columns: 100, rows: 30 });
		await press(stdin, 'a', 'd');
		await waitForFrame(lastFrame, 'Switch 5 staged hosts');
		await press(stdin, 'j');
		await waitForFrame(lastFrame, 'v: web-2 changes');
		await press(stdin, 'v');
		let frame = await waitForFrame(lastFrame, 'Changes on web-2');
		expect(frame).toContain('generation 1 → 2 · +0 ~1 -0, 4 B');
		expect(frame).toMatch(/▸~ version\.txt +4 B/);
		await press(stdin, ENTER);
		frame = await waitForFrame(lastFrame, '+new');
		expect(frame).toContain('version.txt on web-2: current → staged');
		expect(frame).toContain('-old');
		expect(frame).toContain('@@ -1 +1 @@');
		await press(stdin, ESC);
		await waitForFrame(lastFrame, 'Changes on web-2');
		await press(stdin, ESC);
		await waitForFrame(lastFrame, 'Switch now? [y/N]');
		await press(stdin, 'y');
		await waitFor(() => engine.switched.length === 5, 'the switch');
	});
});

describe('search in the logs', () => {
	it('counts the matches, highlights them, and n/N walk every one, wrapping around', async () => {
		const engine = new FakeEngine();
		let release = (): void => {};
		engine.gate = new Promise((resolve) => (release = resolve));
		engine.script = (host, emit) => {
			for (let index = 1; index <= 40; index += 1) emit({ type: 'log', host, stream: 'stdout', line: index % 10 === 0 ? `step ${index}: BUILD ok` : `step ${index}: nothing` });
		};
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(1), engine, columns: 100, rows: 30 });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'deploy running');
		await press(stdin, 'L');
		await waitForFrame(lastFrame, 'step 40: BUILD ok');
		await press(stdin, '/');
		await type(stdin, 'build ok');
		await press(stdin, ENTER);
		// Enter: the newest match; n goes older, N newer; the counter says where.
		let frame = await waitForFrame(lastFrame, '"build ok" 4/4');
		expect(frame).toMatch(/»step 40: BUILD ok/);
		const seen: string[] = [];
		for (const expected of ['3/4', '2/4', '1/4']) {
			await press(stdin, 'n');
			frame = await waitForFrame(lastFrame, `"build ok" ${expected}`);
			seen.push(frame.match(/»step (\d+)/)?.[1] ?? '');
		}
		expect(seen).toEqual(['30', '20', '10']);
		await press(stdin, 'n');
		frame = await waitForFrame(lastFrame, '"build ok" 4/4');
		expect(frame).toContain('back at the newest match');
		await press(stdin, 'N');
		await waitForFrame(lastFrame, '"build ok" 1/4');
		release();
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'n');
	});
});

describe('? q esc in every view', () => {
	it('? opens help over any view and esc comes back to it; q asks while work runs', async () => {
		const engine = new FakeEngine();
		engine.generations = { 'web-1': [] };
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine, columns: 100, rows: 30 });
		type State = ReturnType<typeof store.getState>;
		// Each view by what it shows and where the store says the console is (the frame alone
		// cannot tell the hosts or the full-screen log from the plain grid, which shows both texts).
		const views: [string, string[], string, (state: State) => boolean][] = [
			['hosts', [], 'web-1', (state) => state.modal.kind === 'none' && state.view === 'grid' && state.pane === 'grid'],
			['log pane', ['\t'], '▸ web-1 log', (state) => state.modal.kind === 'none' && state.view === 'grid' && state.pane === 'log'],
			['full-screen log', ['L'], 'web-1 log', (state) => state.modal.kind === 'none' && state.view === 'host-log'],
			['all hosts log', ['v'], 'all hosts log', (state) => state.modal.kind === 'none' && state.view === 'all-logs'],
			['phases', ['p'], 'Phases to run', (state) => state.modal.kind === 'phases'],
			['generations', ['g'], 'Generations of web-1', (state) => state.modal.kind === 'generations'],
		];
		for (const [name, open, shown, isIn] of views) {
			if (open.length > 0) await press(stdin, ...open);
			await waitForFrame(lastFrame, shown);
			await waitFor(() => isIn(store.getState()), `the store to be in ${name}`, 10_000);
			await press(stdin, '?');
			await waitForFrame(lastFrame, 'esc or ? closes');
			expect(store.getState().modal.kind, name).toBe('help');
			await press(stdin, ESC);
			const back = await waitForFrame(lastFrame, (frame) => !frame.includes('esc or ? closes'));
			expect(back, name).toContain(shown);
			await waitFor(() => isIn(store.getState()), `the store to be back in ${name} after help`, 10_000);
			// Back to the hosts for the next one.
			await press(stdin, ESC);
			await waitFor(() => store.getState().modal.kind === 'none' && store.getState().view === 'grid' && store.getState().pane === 'grid', `leaving ${name}`);
			await press(stdin, ESC);
		}
		// In the switch question and its change views: ? over them, q asks to quit, No goes back.
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'v', ENTER);
		await waitForFrame(lastFrame, '+new');
		await press(stdin, '?');
		await waitForFrame(lastFrame, 'esc or ? closes');
		await press(stdin, '?');
		await waitForFrame(lastFrame, '+new');
		await press(stdin, 'q');
		await waitForFrame(lastFrame, 'Quit anyway? [y/N]');
		await press(stdin, 'n');
		await waitForFrame(lastFrame, '+new');
		await press(stdin, ESC, ESC);
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'n');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
	});
});
