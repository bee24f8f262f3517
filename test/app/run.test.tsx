import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { helpLines } from '../../source/app/help-overlay/use-help-overlay-state.js';
import { contextNames, keymap, keysLabel } from '../../source/app/keymap.js';
import { smallFleet } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { ARROW_DOWN, ENTER, ESC, SPACE, TAB, press, type, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

/** A help row that shows exactly these keys, then this label. */
function showsBinding(line: string, keys: string, label: string): boolean {
	const text = line.trim();
	return text.startsWith(`${keys} `) && text.endsWith(` ${label}`) && text.slice(keys.length, text.length - label.length).trim() === '';
}

describe('phases', () => {
	it('p picks a preset and the plan shows in the header', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine, columns: 120 });
		await press(stdin, 'p');
		await waitForFrame(lastFrame, '▸ full');
		await press(stdin, ARROW_DOWN);
		await waitForFrame(lastFrame, '▸ dry-run');
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'plan dry-run: build→preflight');
		expect(store.getState().plan.phases).toEqual(['build', 'preflight']);
		await press(stdin, 'p');
		await waitForFrame(lastFrame, '▸ dry-run');
		await press(stdin, ARROW_DOWN);
		await waitForFrame(lastFrame, '▸ build-only');
		await press(stdin, ARROW_DOWN);
		await waitForFrame(lastFrame, '▸ quick');
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, 'plan quick: preflight→upload→switch→validate');
		await press(stdin, 'd');
		await waitFor(() => engine.deploys.length === 1, 'a deploy');
		expect(engine.deploys[0]?.phases).toEqual(['preflight', 'upload', 'switch', 'validate']);
	});

	it('offers every preset and single phases', async () => {
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine(), columns: 120, rows: 30 });
		await press(stdin, 'p');
		const frame = await waitForFrame(lastFrame, 'Phases to run');
		for (const text of ['full', 'dry-run', 'build-only', 'quick', 'only build', 'only validate']) expect(frame).toContain(text);
		await press(stdin, ESC);
		await waitForFrame(lastFrame, (text) => !text.includes('Phases to run'));
	});
});

describe('run and confirm', () => {
	it('deploys the focused host when nothing is selected; confirm defaults to No', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, ENTER);
		const dialog = await waitForFrame(lastFrame, 'Switch now?');
		expect(dialog).toContain('web-1  1 → 2');
		expect(dialog).toContain('+3 ~1 -0');
		expect(dialog).toContain('2.0 KB');
		// Worded as the change list and the headless printer word a diff.
		expect(dialog).toContain('+3 ~1 -0, 2.0 KB');
		expect(dialog).toContain('[y/N]');
		await press(stdin, ENTER);
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
		expect(engine.switched).toEqual([]);
		expect(engine.deploys[0]?.hosts.map((host) => host.name)).toEqual(['web-1']);
		await waitForFrame(lastFrame, '◐ staged');
	});

	it('n and esc decline too', async () => {
		for (const key of ['n', ESC]) {
			const engine = new FakeEngine();
			const { lastFrame, stdin, unmount } = await renderConsole({ hosts: smallFleet(), engine });
			await press(stdin, 'd');
			await waitForFrame(lastFrame, 'Switch now?');
			await press(stdin, key);
			await waitForFrame(lastFrame, '◐ 1 staged');
			expect(engine.switched).toEqual([]);
			unmount();
		}
	});

	it('y switches the selected hosts and the status bar counts them', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, SPACE, 'l', 'j');
		await press(stdin, SPACE);
		await waitForFrame(lastFrame, '2 of 5 selected');
		await press(stdin, 'd');
		const dialog = await waitForFrame(lastFrame, 'Switch 2 staged hosts');
		// The same change on both: one line, naming them.
		expect(dialog).toMatch(/2 hosts +1 → 2 +\+3 ~1 -0, 2\.0 KB +web-1, edge-1/);
		await press(stdin, 'y');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
		expect(engine.switched.sort()).toEqual(engine.deploys[0]?.hosts.map((host) => host.name).sort());
		await waitForFrame(lastFrame, '✓ 2 ok');
		await waitForFrame(lastFrame, 'deploy finished │ ✓ 2 ok │ run run-1');
	});

	it('c cancels a run and says in-flight switches finish; R retries only failed hosts', async () => {
		const engine = new FakeEngine();
		let release = (): void => {};
		engine.gate = new Promise((resolve) => (release = resolve));
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'a', 'd');
		await waitForFrame(lastFrame, 'deploy running');
		await press(stdin, 'c');
		await waitForFrame(lastFrame, 'cancelling: in-flight switches finish');
		expect(engine.deploys[0]?.signal?.aborted).toBe(true);
		release();
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
		await waitForFrame(lastFrame, '⊘ cancelled');

		// A run in which db-1 fails: R deploys it again, and only it, with that run's release.
		engine.gate = null;
		engine.failing = { 'db-1': 'preflight: disk full' };
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'y');
		await waitFor(() => store.getState().run.state === 'finished' && engine.deploys.length === 2, 'the second run to finish');
		await waitForFrame(lastFrame, 'disk full');
		engine.failing = {};
		await press(stdin, 'R');
		await waitFor(() => engine.deploys.length === 3, 'a retry');
		expect(engine.deploys[2]?.hosts.map((host) => host.name)).toEqual(['db-1']);
		expect(engine.deploys[2]?.reuse).toMatchObject({ runId: 'run-2', release: 'rel-2' });
	});
});

describe('log panes and steps', () => {
	it('streams the focused host log into its pane and shows steps as a checklist', async () => {
		const engine = new FakeEngine();
		let release = (): void => {};
		engine.gate = new Promise((resolve) => (release = resolve));
		engine.script = (host, emit) => {
			for (let index = 1; index <= 50; index += 1) emit({ type: 'log', host, stream: 'stdout', line: `${host} says line ${index}` });
			emit({ type: 'step', host, name: 'fetch', state: 'success' });
			emit({ type: 'step', host, name: 'migrate', state: 'failure', message: 'table locked' });
			emit({ type: 'step', host, name: 'restart', state: 'running' });
		};
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine, columns: 100, rows: 30 });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'web-1 says line 50');
		// The pane reads its ring buffer on every render; tiles see the next published batch.
		let frame = await waitForFrame(lastFrame, '✓ fetch ✗ migrate');
		expect(frame).toContain('restart');
		expect(frame).toContain('✗ migrate: table locked');
		expect(frame).not.toContain('web-2 says');

		// Scroll back in the pane, search, then follow again.
		await press(stdin, TAB);
		await waitForFrame(lastFrame, '▸ web-1 log');
		await press(stdin, 'k', 'k', 'k');
		await waitForFrame(lastFrame, '· G follows');
		await press(stdin, '/');
		await type(stdin, 'line 7');
		await press(stdin, ENTER);
		frame = await waitForFrame(lastFrame, '"line 7" 1/1');
		expect(frame).toContain('web-1 says line 7');
		await press(stdin, 'G');
		await waitForFrame(lastFrame, 'following');

		// All hosts interleaved with prefixes, then one host full screen.
		await press(stdin, 'v');
		frame = await waitForFrame(lastFrame, 'all hosts log');
		expect(frame).toMatch(/web-1 +│/);
		await press(stdin, ESC, 'L');
		await waitForFrame(lastFrame, 'web-1 log');
		release();
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'n');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
	});

	it('t tails the focused host service logs into its pane', async () => {
		const engine = new FakeEngine();
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 't');
		await waitForFrame(lastFrame, 'service says hello');
		await waitForFrame(lastFrame, '≡ service logs');
		// The hint names the key that stops it, the one that started it.
		expect(lastFrame()).toContain('(t stops)');
		await press(stdin, 't');
		await waitForFrame(lastFrame, 'tail of web-1 ended');
	});

	it('t on a host whose logs template names {service} but has no services says so, and tails nothing', async () => {
		const engine = new FakeEngine();
		const hosts = smallFleet().map((host) => ({ ...host, services: [] }));
		const { lastFrame, stdin, store } = await renderConsole({ hosts, engine });
		await press(stdin, 't');
		const frame = await waitForFrame(lastFrame, 'no services to show the logs of');
		expect(frame).not.toContain('tailing service logs');
		expect(store.getState().hosts['web-1']?.tailing).toBe(false);
	});
});

describe('help and quit', () => {
	it('the help overlay shows exactly the keymap', async () => {
		// 70 columns hold one help column; 70 rows hold all of it.
		const { lastFrame, stdin } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine(), columns: 70, rows: 70 });
		await press(stdin, '?');
		const frame = await waitForFrame(lastFrame, 'esc or ? closes');
		const lines = frame.split('\n').map((line) => line.trimEnd());
		const first = lines.indexOf(helpLines()[0] ?? '');
		const help = lines.slice(first, first + helpLines().length);
		expect(help).toEqual(helpLines().map((line) => line.trimEnd()));
		// Read against the keymap itself: each binding is a row of its own, its keys then its label,
		// under a heading that names where it applies.
		for (const binding of keymap) {
			const row = help.findIndex((line) => showsBinding(line, keysLabel(binding), binding.label));
			expect(row, `a help row "${keysLabel(binding)}  ${binding.label}"`).toBeGreaterThan(-1);
			const where = help.slice(0, row).filter((line) => line.startsWith('[')).at(-1)?.slice(1, -1) ?? '';
			expect(where.startsWith('everywhere') || binding.contexts.every((context) => where.split(' · ').includes(contextNames[context])), `${binding.action} under [${where}]`).toBe(true);
		}
		await press(stdin, ESC);
		await waitForFrame(lastFrame, (text) => !text.includes('esc or ? closes'));
	});

	it('q quits at once when idle', async () => {
		const { stdin, exited } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine() });
		await press(stdin, 'q');
		await waitFor(() => exited(), 'the console to exit');
	});

	it('q asks first while work is running', async () => {
		const engine = new FakeEngine();
		let release = (): void => {};
		engine.gate = new Promise((resolve) => (release = resolve));
		const { lastFrame, stdin, exited } = await renderConsole({ hosts: smallFleet(), engine });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'deploy running');
		await press(stdin, 'q');
		await waitForFrame(lastFrame, 'Quit anyway? [y/N]');
		await press(stdin, 'n');
		await waitForFrame(lastFrame, (text) => !text.includes('Quit anyway'));
		expect(exited()).toBe(false);
		await press(stdin, 'q', 'y');
		await waitFor(() => exited(), 'the console to exit');
		expect(engine.deploys[0]?.signal?.aborted).toBe(true);
		release();
	});
});
