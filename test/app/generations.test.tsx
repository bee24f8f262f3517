import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { smallFleet } from '../store/host-fixtures.js';
import { FakeEngine, generation } from './fake-engine.js';
import { ARROW_DOWN, ARROW_RIGHT, ESC, SPACE, press, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

function engineWithGenerations(): FakeEngine {
	const engine = new FakeEngine();
	engine.generations = {
		'web-1': [generation(1, 'rel-a'), generation(2, 'rel-b'), generation(3, 'rel-c', true)],
		'web-2': [generation(4, 'rel-a'), generation(5, 'rel-c', true)],
	};
	return engine;
}

describe('generations and rollback', () => {
	it('g lists the focused host generations newest first with the current one marked', async () => {
		const engine = engineWithGenerations();
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'g');
		const frame = await waitForFrame(lastFrame, 'Generations of web-1');
		await waitForFrame(lastFrame, '(current)');
		expect(engine.listed).toEqual(['web-1']);
		// The list's rows (the status bar's drift line names a release too).
		const rows = frame.split('\n').filter((line) => /rel-[abc]/.test(line) && !/on release/.test(line));
		expect(rows.map((row) => row.match(/rel-[abc]/)?.[0])).toEqual(['rel-c', 'rel-b', 'rel-a']);
		expect(frame).toContain('the host on release rel-c');
		expect(rows[0]).toContain('● ');
		expect(rows[0]).toContain('alice@laptop');
		expect(rows[0]).toContain('3.0 KB');
		// The listing's own run events must not reset the tile.
		expect(store.getState().run.state).toBe('idle');
		await press(stdin, ESC);
		await waitForFrame(lastFrame, (text) => !text.includes('Generations of'));
	});

	it('r on a highlighted generation asks, then rolls the focused host back to that number', async () => {
		const engine = engineWithGenerations();
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'g');
		await waitForFrame(lastFrame, '(current)');
		await press(stdin, ARROW_DOWN, ARROW_DOWN);
		await waitForFrame(lastFrame, /▸\s+1 /);
		await press(stdin, 'r');
		await waitForFrame(lastFrame, 'Roll back web-1 to generation 1 (release rel-a)? [y/N]');
		await press(stdin, 'n');
		await waitForFrame(lastFrame, 'rollback declined');
		expect(engine.rollbacks).toEqual([]);
		// No goes back to the list, to pick another generation.
		await waitForFrame(lastFrame, (frame) => frame.includes('Generations of web-1') && /▸●\s+3 /.test(frame));
		await press(stdin, ARROW_DOWN);
		await waitForFrame(lastFrame, /▸\s+2 /);
		await press(stdin, 'r', 'y');
		await waitFor(() => engine.rollbacks.length === 1, 'a rollback');
		// Yes goes back to the hosts, to watch it.
		await waitForFrame(lastFrame, (frame) => !frame.includes('Generations of'));
		expect(engine.rollbacks[0]?.target).toEqual({ generation: 2 });
		expect(engine.rollbacks[0]?.hosts.map((host) => host.name)).toEqual(['web-1']);
	});

	it('keys typed before the list has come act on it when it comes: g↓↓ry rolls back to the generation two below current', async () => {
		const engine = engineWithGenerations();
		let answer!: () => void;
		engine.listingGate = new Promise((resolve) => (answer = resolve));
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'g', ARROW_DOWN, ARROW_DOWN, 'r', 'y');
		await waitForFrame(lastFrame, 'Generations of web-1');
		expect(engine.rollbacks).toEqual([]);
		answer();
		await waitFor(() => engine.rollbacks.length === 1, 'the rollback typed ahead');
		expect(engine.rollbacks[0]?.target).toEqual({ generation: 1 });
	});

	it('esc while the list is on its way closes at once, and the keys typed before it are dropped', async () => {
		const engine = engineWithGenerations();
		let answer!: () => void;
		engine.listingGate = new Promise((resolve) => (answer = resolve));
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'g', ARROW_DOWN, 'r');
		await waitForFrame(lastFrame, 'Generations of web-1');
		await press(stdin, ESC);
		await waitForFrame(lastFrame, (frame) => !frame.includes('Generations of'));
		answer();
		await waitFor(() => engine.listed.includes('web-1'), 'the listing to answer');
		await waitForFrame(lastFrame, (frame) => !frame.includes('Roll back') && !frame.includes('Generations of'));
		expect(engine.rollbacks).toEqual([]);
	});

	it('with several hosts selected, r rolls them all back to the highlighted release', async () => {
		const engine = engineWithGenerations();
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, SPACE, ARROW_RIGHT, SPACE);
		await waitForFrame(lastFrame, '2 of 5 selected');
		await press(stdin, 'g');
		await waitForFrame(lastFrame, '(current)');
		await press(stdin, ARROW_DOWN, ARROW_DOWN, 'r');
		await waitForFrame(lastFrame, 'Roll back 2 selected hosts (web-1, web-2) to release rel-a?');
		await press(stdin, 'y');
		await waitFor(() => engine.rollbacks.length === 1, 'a rollback');
		expect(engine.rollbacks[0]?.target).toEqual({ release: 'rel-a' });
		expect(engine.rollbacks[0]?.hosts.map((host) => host.name)).toEqual(['web-1', 'web-2']);
	});

	it('says why when a host cannot list its generations', async () => {
		const engine = engineWithGenerations();
		engine.unreachable = { 'web-1': 'connect: connection refused' };
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'g');
		await waitForFrame(lastFrame, '✗ could not list generations: connect: connection refused');
	});
});
