import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { hostConfig, smallFleet } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { ARROW_DOWN, ARROW_RIGHT, ENTER, ESC, SPACE, press, type, waitForFrame } from './keys.js';
import { frameLines, renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

describe('host grid', () => {
	it('shows a tile per host with name, tags and transport', async () => {
		const { lastFrame } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine() });
		const frame = await waitForFrame(lastFrame, 'edge-1');
		expect(frame).toContain('web-1');
		expect(frame).toContain('@web @eu');
		expect(frame).toContain('ssh');
		expect(frame).toContain('local');
	});

	it('tells a host with no generation yet ("gen ∅") from one not heard from ("gen ?")', async () => {
		const { lastFrame, store } = await renderConsole({ hosts: smallFleet(1), engine: new FakeEngine() });
		await waitForFrame(lastFrame, 'gen ?');
		store.getState().ingest({ type: 'generations', host: 'web-1', current: null, generations: [] });
		store.getState().flush();
		await waitForFrame(lastFrame, 'gen ∅');
		store.getState().ingest({ type: 'generations', host: 'web-1', current: 3, generations: [] });
		store.getState().flush();
		await waitForFrame(lastFrame, 'gen 3');
	});

	it('moves the focus with arrows and hjkl and toggles selection with space', async () => {
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine(), columns: 100 });
		await waitForFrame(lastFrame, 'web-1');
		expect(store.getState().focus).toBe('web-1');
		await press(stdin, ARROW_RIGHT);
		expect(store.getState().focus).toBe('web-2');
		await press(stdin, SPACE);
		await waitForFrame(lastFrame, '1 of 5 selected');
		await press(stdin, 'j');
		// 100 columns = 3 tiles a row: down from web-2 is edge-1.
		expect(store.getState().focus).toBe('edge-1');
		await press(stdin, 'h', SPACE);
		await waitForFrame(lastFrame, '2 of 5 selected');
		expect([...store.getState().selected].sort()).toEqual(['db-1', 'web-2']);
		await press(stdin, 'a');
		await waitForFrame(lastFrame, '5 of 5 selected');
		await press(stdin, 'a');
		await waitForFrame(lastFrame, '0 of 5 selected');
	});

	it('filters by @tag, shows the match count, and a selects only the matches', async () => {
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine() });
		await waitForFrame(lastFrame, 'web-1');
		await press(stdin, '/');
		await type(stdin, '@web');
		await waitForFrame(lastFrame, '3 of 5 match');
		await press(stdin, ENTER);
		const frame = await waitForFrame(lastFrame, 'filter @web (3 match)');
		expect(frame).not.toContain('db-1');
		await press(stdin, 'a');
		await waitForFrame(lastFrame, '3 of 5 selected');
		expect([...store.getState().selected]).toEqual(['web-1', 'web-2', 'web-3']);
		await press(stdin, ESC);
		await waitForFrame(lastFrame, 'db-1');
	});

	it('filters by glob', async () => {
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine() });
		await waitForFrame(lastFrame, 'web-1');
		await press(stdin, '/');
		await type(stdin, '*-1');
		await waitForFrame(lastFrame, '3 of 5 match');
	});

	it('preselects hosts from the options', async () => {
		const { lastFrame } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine(), preselect: { hosts: [], tags: ['web'] } });
		await waitForFrame(lastFrame, '3 of 5 selected');
	});

	it('shows a 200-host fleet as a table inside 80×24 that scrolls with the focus and says what is off screen', async () => {
		const hosts = Array.from({ length: 200 }, (_, index) => hostConfig(`node-${String(index + 1).padStart(3, '0')}`, ['fleet']));
		const { lastFrame, stdin, store } = await renderConsole({ hosts, engine: new FakeEngine(), columns: 80, rows: 24 });
		let frame = await waitForFrame(lastFrame, 'node-001');
		expect(frameLines(frame).length).toBeLessThanOrEqual(23);
		for (const line of frameLines(frame)) expect([...line].length).toBeLessThanOrEqual(80);
		expect(frame).toMatch(/host +(tags +)?gen +phases/);
		expect(frame).toMatch(/\d+ more ↓/);
		for (let step = 0; step < 20; step += 1) await press(stdin, ARROW_DOWN);
		expect(store.getState().focus).toBe('node-021');
		frame = await waitForFrame(lastFrame, /▸○ +node-021/);
		expect(frame).not.toContain('node-001');
		expect(frame).toMatch(/\d+ more ↑/);
		expect(frameLines(frame).length).toBeLessThanOrEqual(23);
	});

	it('T forces tiles on a big fleet: they scroll with the focus and say how many are off screen', async () => {
		const hosts = Array.from({ length: 200 }, (_, index) => hostConfig(`node-${String(index + 1).padStart(3, '0')}`, ['fleet']));
		const { lastFrame, stdin, store } = await renderConsole({ hosts, engine: new FakeEngine(), columns: 80, rows: 24 });
		await waitForFrame(lastFrame, 'more ↓');
		await press(stdin, 'T');
		let frame = await waitForFrame(lastFrame, '194 more ↓');
		for (let step = 0; step < 10; step += 1) await press(stdin, ARROW_DOWN);
		expect(store.getState().focus).toBe('node-031');
		frame = await waitForFrame(lastFrame, 'node-031');
		expect(frame).not.toContain('node-001');
		expect(frame).toMatch(/\d+ more ↑ · \d+ more ↓/);
		expect(frameLines(frame).length).toBeLessThanOrEqual(23);
		await press(stdin, 'T');
		await waitForFrame(lastFrame, /host +(tags +)?gen +phases/);
	});

	it('reflows tiles when the terminal is resized', async () => {
		const { lastFrame, resize } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine(), columns: 80, rows: 24 });
		await waitForFrame(lastFrame, 'web-1');
		resize(140, 30);
		// 140 columns hold five 28-column tiles: every host on the first tile row.
		const frame = await waitForFrame(lastFrame, (text) => (frameLines(text).find((line) => line.includes('web-1')) ?? '').includes('edge-1'));
		expect(frameLines(frame).length).toBeLessThanOrEqual(29);
	});
});
