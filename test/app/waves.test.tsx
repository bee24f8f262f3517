import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { hostConfig, smallFleet } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { ESC, press, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

/** smallFleet's hosts carry these tags, in this order: the picker offers each as a canary. */
const presetsAndPhases = 4 + 6;

describe('the console switches in the waves it is given', () => {
	it('honours the wave flags it was started with: the header says them, the question shows the plan, the deploy uses them', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine, waves: { canary: ['@db'], batch: 2 } });
		await waitForFrame(lastFrame, 'canary @db · batch 2 hosts at a time');
		await press(stdin, 'a', 'd');
		const question = await waitForFrame(lastFrame, 'Switch now?');
		expect(question).toContain('Switch 5 staged hosts to release rel-test?');
		expect(question).toContain('wave 1 (canary): db-1 · waves 2–3: 2 hosts each');
		expect(engine.deploys[0]?.waves).toMatchObject({ canary: ['@db'], batch: 2 });
		await press(stdin, 'n');
	});

	it('`p` sets canary, batch and max failures with ←/→, and the next deploy switches in those waves', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine, columns: 110 });
		await press(stdin, 'p');
		await waitForFrame(lastFrame, 'Phases to run');
		await press(stdin, ...Array<string>(presetsAndPhases).fill('j'));
		await waitForFrame(lastFrame, /▸ canary +‹ none ›/);
		// none → first 1 host → first 2 hosts → @web
		await press(stdin, 'l', 'l', 'l');
		await waitForFrame(lastFrame, /▸ canary +‹ @web ›/);
		await press(stdin, 'j', 'l');
		await waitForFrame(lastFrame, /▸ batch +‹ 1 host at a time ›/);
		await press(stdin, 'j', 'l', 'l', 'h');
		await waitForFrame(lastFrame, /▸ max failures +‹ stop after 1 ›/);
		await press(stdin, ESC);
		await waitForFrame(lastFrame, 'canary @web · batch 1 host at a time · max failures 1');
		expect(store.getState().waves).toEqual({ canary: ['@web'], batch: 1, maxFailures: 1 });

		await press(stdin, 'a', 'd');
		const question = await waitForFrame(lastFrame, 'Switch now?');
		expect(question).toContain('wave 1 (canary): web-1, web-2, web-3 · waves 2–3: 1 host each');
		await press(stdin, 'y');
		await waitFor(() => engine.switched.length === 5, 'the switch');
		expect(engine.deploys[0]?.waves).toEqual({ canary: ['@web'], batch: 1, maxFailures: 1 });
	});
});

describe('the switch question at 200 hosts', () => {
	it('groups hosts with the same change into one line and lists the outliers apart', async () => {
		const engine = new FakeEngine();
		const hosts = Array.from({ length: 200 }, (_, index) => hostConfig(`web-${String(index + 1).padStart(3, '0')}`, ['web']));
		for (const odd of ['web-050', 'web-120']) engine.diffs[odd] = { added: 0, changed: 2, removed: 1, bytes: 900 };
		engine.diffs['web-199'] = { added: 9, changed: 0, removed: 0, bytes: 40_000 };
		const { lastFrame, stdin } = await renderConsole({ hosts, engine, columns: 100, rows: 30 });
		await press(stdin, 'a', 'd');
		const question = await waitForFrame(lastFrame, 'Switch now?');
		expect(question).toContain('Switch 200 staged hosts to release rel-test?');
		expect(question).toMatch(/▸ 197 hosts +1 → 2 +\+3 ~1 -0, 2\.0 KB +web-001, web-002, web-003, \+194 more/);
		expect(question).toMatch(/ 2 hosts +1 → 2 +\+0 ~2 -1, 900 B +web-050, web-120/);
		expect(question).toMatch(/ web-199 +1 → 2 +\+9 ~0 -0, 39 KB/);
		expect(question).not.toContain('more, ↑↓');
		await press(stdin, 'n');
	});
});
