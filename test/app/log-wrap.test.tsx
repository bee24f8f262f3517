import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { initialLogPaneState, partsWithin, splitMatches, wrappedRows } from '../../source/app/log-pane/use-log-pane-state.js';
import type { LogLine } from '../../source/store/hot-slice.js';
import { RingBuffer } from '../../source/store/ring-buffer.js';
import { smallFleet } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { press, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

afterEach(() => {
	cleanup();
});

const reason = 'validate: GET http://127.0.0.1:7104/health: 500 after 21 attempts; rollback to 3 failed too (switch to 3: exit status 1); no previous generation to return to — manual intervention required';

describe('the full-screen log wraps long lines', () => {
	it('L shows a long line whole, on as many rows as it takes; the pane below the hosts still cuts it', async () => {
		const engine = new FakeEngine();
		engine.script = (host, emit) => {
			if (host === 'web-1') emit({ type: 'log', host, stream: 'stderr', line: reason });
		};
		// Tall enough that the docked pane still holds the line under the run's last ones.
		const { lastFrame, stdin, store } = await renderConsole({ hosts: smallFleet(), engine, columns: 80, rows: 30 });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'n');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish');
		const pane = await waitForFrame(lastFrame, '!validate: GET');
		expect(pane).not.toContain('manual intervention required');
		await press(stdin, 'L');
		const full = await waitForFrame(lastFrame, 'manual intervention required');
		const rows = full.split('\n');
		const first = rows.findIndex((row) => row.startsWith('!validate: GET'));
		// The line's pieces, in order, on the rows under its first, each at most 79 characters.
		const text = rows
			.slice(first, first + 3)
			// After the marker column; rows break at spaces.
			.map((row) => row.slice(1).trimEnd())
			.join(' ');
		expect(text).toBe(reason);
		expect(rows.slice(first, first + 3).every((row) => [...row].length <= 80)).toBe(true);
	});
});

describe('wrapped rows', () => {
	const buffer = (...texts: string[]) => {
		const ring = new RingBuffer<LogLine>(10);
		for (const text of texts) ring.push({ host: 'a', stream: 'stdout', text });
		return ring;
	};

	it('cuts each line into rows of the width and keeps the newest rows', () => {
		const rows = wrappedRows(buffer('short', 'abcdefghij', 'xyz'), initialLogPaneState, 4, 4);
		// At a space when one leaves the row at least half full; the space goes.
		expect(wrappedRows(buffer('one two three'), initialLogPaneState, 5, 8).map((row) => row.text)).toEqual(['one two', 'three']);
		expect(rows.map((row) => row.text)).toEqual(['abcd', 'efgh', 'ij', 'xyz']);
		expect(rows.map((row) => [row.number, row.at])).toEqual([
			[1, 0],
			[1, 4],
			[1, 8],
			[2, 0],
		]);
		expect(wrappedRows(buffer('short', 'abcdefghij', 'xyz'), initialLogPaneState, 3, 4).map((row) => row.text)).toEqual(['efgh', 'ij', 'xyz']);
	});

	it('keeps search matches that a wrap cuts in two', () => {
		const parts = splitMatches('one needle two', 'needle');
		expect(partsWithin(parts, 0, 7)).toEqual([
			{ text: 'one ', match: false },
			{ text: 'nee', match: true },
		]);
		expect(partsWithin(parts, 7, 14)).toEqual([
			{ text: 'dle', match: true },
			{ text: ' two', match: false },
		]);
	});
});
