import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyQueue } from '../../source/app/input/key-queue.js';
import { createKeyReader, typedText, withoutLastCharacter, type KeyPress } from '../../source/app/input/key-reader.js';
import { keyTargetOf } from '../../source/app/key-context.js';
import { hostConfig, smallFleet } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

const names = (keys: readonly KeyPress[]) => keys.map((key) => key.name);

describe('key reader', () => {
	it('splits one read into its keys: typeahead, escape sequences, control keys', () => {
		const reader = createKeyReader();
		expect(names(reader.read('jjjj'))).toEqual(['j', 'j', 'j', 'j']);
		expect(names(reader.read('x\u007F'))).toEqual(['x', 'backspace']);
		expect(names(reader.read('\u001B[B\u001B[5~jk\u001B[H\u001B[F\u001BOA\u001B[6~\u001B[1~\u001B[4~'))).toEqual(['down', 'pageup', 'j', 'k', 'home', 'end', 'up', 'pagedown', 'home', 'end']);
		expect(names(reader.read('\r\t \u0003\u001B[Z\u001B[3~'))).toEqual(['enter', 'tab', 'space', 'ctrl+c', 'backtab', 'delete']);
		// Modified arrows keep their names: they must not act as the plain arrow.
		expect(names(reader.read('\u001B[1;5A\u001B[1;2B'))).toEqual(['ctrl+up', 'shift+down']);
	});

	it('reads ESC alone as escape, and ESC before a key as escape then the key', () => {
		const reader = createKeyReader();
		expect(names(reader.read('\u001B'))).toEqual(['escape']);
		expect(names(reader.read('\u001Bq'))).toEqual(['escape', 'q']);
		expect(names(reader.read('j\u001B'))).toEqual(['j', 'escape']);
	});

	it('keeps UTF-8 characters whole, emoji and combining marks included', () => {
		const keys = createKeyReader().read('é🚀ñ́a');
		expect(keys.map((key) => key.text)).toEqual(['é', '🚀', 'ñ́', 'a']);
		expect(withoutLastCharacter('web🚀')).toBe('web');
	});

	it('joins an escape sequence cut between two reads', () => {
		const reader = createKeyReader();
		expect(names(reader.read('j\u001B['))).toEqual(['j']);
		expect(names(reader.read('Ak'))).toEqual(['up', 'k']);
	});

	it('reads a bracketed paste as one key, however the reads cut it, and types it without newlines', () => {
		const reader = createKeyReader();
		expect(reader.read('\u001B[200~node-')).toEqual([]);
		expect(reader.read('0*\r\n\u001B[2')).toEqual([]);
		const keys = reader.read('01~j');
		expect(keys).toEqual([
			{ name: 'paste', text: 'node-0*\r\n' },
			{ name: 'j', text: 'j' },
		]);
		expect(typedText(keys[0]!)).toBe('node-0* ');
	});
});

describe('key queue', () => {
	it('holds keys for a view that is not drawn yet, in order, and hands them over once it is', () => {
		let target = 'grid';
		const seen: string[] = [];
		const fallback: string[] = [];
		const queue = createKeyQueue({ target: () => target, fallback: (key) => fallback.push(key.name), later: (run) => run() });
		queue.register('grid', (key) => {
			seen.push(`grid:${key.name}`);
			if (key.name === 'p') target = 'phases';
		});
		queue.push(createKeyReader().read('jpjj'));
		expect(seen).toEqual(['grid:j', 'grid:p']);
		expect(queue.counts).toEqual({ received: 4, handled: 2 });
		queue.register('phases', (key) => seen.push(`phases:${key.name}`));
		expect(seen).toEqual(['grid:j', 'grid:p', 'phases:j', 'phases:j']);
		expect(fallback).toEqual([]);
	});

	it('gives keys of a screen nobody claims to the fallback once the app has drawn it', () => {
		const fallback: string[] = [];
		const queue = createKeyQueue({ target: () => 'log:grid:web-1', fallback: (key) => fallback.push(key.name), later: (run) => run() });
		queue.push(createKeyReader().read('?q'));
		expect(fallback).toEqual([]);
		queue.rendered('log:grid:web-1');
		expect(fallback).toEqual(['?', 'q']);
	});
});

describe('key targets', () => {
	it('a question the engine asks takes the keys even from a filter being typed; panes name their host', () => {
		const base = { filterDraft: null, modal: { kind: 'none' }, view: 'grid', pane: 'grid', focus: 'web-1' } as const;
		expect(keyTargetOf(base)).toEqual({ context: 'grid', id: 'grid' });
		expect(keyTargetOf({ ...base, filterDraft: 'we' })).toEqual({ context: 'text', id: 'text' });
		expect(keyTargetOf({ ...base, filterDraft: 'we', modal: { kind: 'confirm-switch', staged: [] } })).toEqual({ context: 'switch', id: 'switch' });
		expect(keyTargetOf({ ...base, pane: 'log' })).toEqual({ context: 'log', id: 'log:grid:web-1' });
		expect(keyTargetOf({ ...base, view: 'all-logs' })).toEqual({ context: 'log', id: 'log:all-logs:*' });
		expect(keyTargetOf({ ...base, modal: { kind: 'diff', host: 'web-1', path: 'a.txt' } })).toEqual({ context: 'diff', id: 'diff:web-1:a.txt' });
	});
});

describe('typing ahead in the console', () => {
	const bigFleet = (count: number) => Array.from({ length: count }, (_, index) => hostConfig(`node-${String(index + 1).padStart(3, '0')}`, ['fleet', index % 2 === 0 ? 'eu' : 'us']));

	it('jjjj in one read moves four rows', async () => {
		const { stdin, store, lastFrame } = await renderConsole({ hosts: bigFleet(200), engine: new FakeEngine(), columns: 80, rows: 24 });
		stdin.write('jjjj');
		await waitFor(() => store.getState().focus === 'node-005', 'the focus four rows down');
		await waitForFrame(lastFrame, /▸○ +node-005/);
	});

	it('keys for a view that opens on the way wait for it: p, j, enter in one read pick the second plan', async () => {
		const { stdin, store, lastFrame } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine(), columns: 120 });
		stdin.write('pj\r');
		await waitFor(() => store.getState().plan.name === 'dry-run', 'the dry-run plan');
		await waitForFrame(lastFrame, 'plan dry-run');
		expect(store.getState().modal.kind).toBe('none');
	});

	it('a filter typed with a mistake and a backspace in one read, then enter, filters', async () => {
		const { stdin, store, lastFrame } = await renderConsole({ hosts: smallFleet(), engine: new FakeEngine() });
		stdin.write('/@dbx\u007F\r');
		await waitFor(() => store.getState().filter === '@db', 'the filter @db');
		const frame = await waitForFrame(lastFrame, 'filter @db (1 match)');
		expect(frame).not.toContain('web-1');
	});

	it('a pasted filter string filters (pasted text never acts as keys)', async () => {
		const { stdin, store, lastFrame } = await renderConsole({ hosts: bigFleet(200), engine: new FakeEngine(), columns: 80, rows: 24 });
		// Pasted at the hosts: opens the filter with the text; the `d` in it deploys nothing.
		stdin.write('\u001B[200~node-01?d\u001B[201~');
		await waitForFrame(lastFrame, '/ node-01?d▏');
		stdin.write('\u007F\u007F\r');
		await waitFor(() => store.getState().filter === 'node-01', 'the pasted filter');
		// Pasted while typing a filter: added to it, its newline a space, not enter.
		stdin.write('/\u0008\u0008\u001B[200~2\n\u001B[201~');
		await waitForFrame(lastFrame, '/ node-2 ▏');
		stdin.write('\r');
		await waitFor(() => store.getState().filter === 'node-2 ', 'the edited filter');
		expect(store.getState().run.state).toBe('idle');
	});

	it('loses none of 1,000 keys typed ahead in one read', async () => {
		const { stdin, store, lastFrame } = await renderConsole({ hosts: bigFleet(200), engine: new FakeEngine(), columns: 80, rows: 24 });
		// Down to the last row, then 400 up-downs, then two ups: any key lost shows in where the focus ends.
		const keys = `${'j'.repeat(199)}${'kj'.repeat(400)}kk`;
		expect(keys.length).toBe(1001);
		stdin.write(keys.slice(0, 1000));
		await waitFor(() => store.getState().focus === 'node-199', 'the focus on node-199 after 1,000 keys', 30_000);
		stdin.write(keys.slice(1000));
		await waitFor(() => store.getState().focus === 'node-198', 'one more key');
		await waitForFrame(lastFrame, /▸○ +node-198/);
	});
});
