import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLayout, tileHeight } from '../../source/app/console-layout.js';
import { highlightReducer, resolveHighlight, rollbackPlan } from '../../source/app/generation-list/use-generation-list-state.js';
import { movedFocus } from '../../source/app/host-grid/use-host-grid-state.js';
import { tileLines, type TileLine } from '../../source/app/host-grid/use-host-tile-state.js';
import { rowSegments, tableColumns } from '../../source/app/host-table/use-host-table-state.js';
import { actionFor, hintsFor, keyContexts, keymap } from '../../source/app/keymap.js';
import { scrollReducer, scrollStep, scrolledTop } from '../../source/app/pick-list/scroll-state.js';
import { initialLogPaneState, logPaneReducer } from '../../source/app/log-pane/use-log-pane-state.js';
import { spinnerIntervalMs, spinnerRunning, subscribeSpinner, tickWithFrame } from '../../source/app/spinner/spinner-clock.js';
import { logCapacityFor } from '../../source/store/console-store.js';
import { initialHostView } from '../../source/store/host-view.js';
import { hostConfig } from '../store/host-fixtures.js';
import { generation } from './fake-engine.js';

afterEach(() => {
	vi.useRealTimers();
	vi.unstubAllEnvs();
	vi.resetModules();
});

describe('keymap', () => {
	it('never binds one key to two actions in the same context', () => {
		const seen = new Map<string, string>();
		for (const binding of keymap) {
			for (const context of binding.contexts) {
				for (const key of binding.keys) {
					const where = `${context}:${key}`;
					expect(seen.get(where), `${where} is bound to ${seen.get(where)} and ${binding.action}`).toBeUndefined();
					seen.set(where, binding.action);
				}
			}
		}
	});

	it('resolves keys per context and generates the hints from the table', () => {
		expect(actionFor('grid', 'up')).toBe('move-up');
		expect(actionFor('log', 'up')).toBe('scroll-up');
		expect(actionFor('dialog', 'enter')).toBe('no');
		// l is right, as h is left; t tails.
		expect(actionFor('grid', 'l')).toBe('move-right');
		expect(actionFor('grid', 't')).toBe('tail-logs');
		expect(hintsFor('grid').startsWith('? help · q quit · space select · d deploy')).toBe(true);
		expect(hintsFor('dialog')).toBe('? help · y yes · n no · q quit');
	});

	it('fits the hints to the width by rank, never cutting one, ? always first', () => {
		for (const context of keyContexts) {
			for (const width of [30, 60, 80, 100, 160]) {
				const hints = hintsFor(context, width);
				expect([...hints].length, `${context} at ${width}`).toBeLessThanOrEqual(width);
				if (context !== 'text') expect(hints.startsWith('? help')).toBe(true);
				for (const hint of hints.split(' · ')) expect(hintsFor(context)).toContain(hint);
			}
		}
		// Wider shows more; the most important stay.
		expect(hintsFor('grid', 100).split(' · ').length).toBeGreaterThan(hintsFor('grid', 60).split(' · ').length);
		expect(hintsFor('grid', 60)).toContain('d deploy');
	});

	it('answers ?, q, esc and ^C in every view (typing aside, where ? and q are text)', () => {
		for (const context of keyContexts) {
			expect(actionFor(context, 'ctrl+c'), context).toBe('interrupt');
			expect(actionFor(context, 'escape'), context).toBeDefined();
			if (context === 'text') continue;
			expect(actionFor(context, '?'), context).toBe('help');
			expect(actionFor(context, 'q'), context).toBe('quit');
		}
	});
});

describe('grid geometry', () => {
	it('moves in reading order and lands on the last tile of a short last row', () => {
		const names = ['a', 'b', 'c', 'd', 'e'];
		expect(movedFocus(names, 'a', 'right', 3)).toBe('b');
		expect(movedFocus(names, 'b', 'down', 3)).toBe('e');
		expect(movedFocus(names, 'c', 'down', 3)).toBe('e');
		expect(movedFocus(names, 'e', 'down', 3)).toBe('e');
		expect(movedFocus(names, 'a', 'up', 3)).toBe('a');
		expect(movedFocus(names, 'zzz', 'up', 3)).toBe('a');
	});

	it('scrolls only as far as needed to keep the focus row visible', () => {
		expect(scrolledTop(0, 1, 2, 10)).toBe(0);
		expect(scrolledTop(0, 2, 2, 10)).toBe(1);
		expect(scrolledTop(5, 3, 2, 10)).toBe(3);
		expect(scrolledTop(9, 9, 2, 10)).toBe(8);
	});

	it('fits 80×24 with two tile rows and a log pane, one row short of the terminal', () => {
		const layout = consoleLayout(80, 24, 6);
		expect(layout.hostsView).toBe('tiles');
		expect(layout.tileColumns).toBe(3);
		expect(layout.gridRows).toBe(2);
		expect(1 + layout.gridRows * tileHeight + layout.logRows + 2).toBe(23);
	});

	it('shows the table once the tiles do not fit, or when asked; forced tiles keep a "more" line', () => {
		const table = consoleLayout(80, 24, 200);
		expect(table.hostsView).toBe('table');
		expect(1 + table.hostsHeight + table.logRows + 2).toBe(23);
		expect(table.logRows).toBeGreaterThanOrEqual(5);
		expect(consoleLayout(120, 40, 16).hostsView).toBe('tiles');
		expect(consoleLayout(120, 40, 17).hostsView).toBe('table');
		expect(consoleLayout(100, 30, 4, 'table').hostsHeight).toBe(5);
		const tiles = consoleLayout(80, 24, 200, 'tiles');
		expect(tiles.hostsView).toBe('tiles');
		expect(tiles.hostsHeight).toBe(tiles.gridRows * tileHeight + 1);
		expect(1 + tiles.hostsHeight + tiles.logRows + 2).toBeLessThanOrEqual(23);
	});
});

describe('tile lines', () => {
	it('say everything with symbols, and keep to the tile width', () => {
		const host = {
			...initialHostView(hostConfig('web-1', ['web'])),
			current: 3,
			target: 4,
			startedAt: 1000,
			workedMs: 2500,
			phases: [
				{ phase: 'build', status: 'ok' },
				{ phase: 'preflight', status: 'failed' },
				{ phase: 'upload', status: 'skipped' },
			],
			outcome: 'failed',
			ending: 'failed',
			reason: 'preflight: disk full on /opt',
			steps: [],
			lastLine: 'df: 99%',
		} as const;
		const lines = tileLines({ host, focused: true, selected: true, width: 24, now: 5000, tick: 0 }).map((line) => line.map((segment) => segment.text).join(''));
		expect(lines[0]).toMatch(/^▸◉ web-1 +local 3→4$/);
		expect(lines[1]).toMatch(/^@web +✗ failed 2\.5s$/);
		expect(lines[2]?.trimEnd()).toBe('b✓ p✗ u–');
		expect(lines[3]?.trimEnd()).toBe('› df: 99%');
		expect(lines[4]).toBe('✗ preflight: disk full …');
		for (const line of lines) expect([...line].length).toBe(24);
	});

	it('show a reason only for a host that did not end ok, as the table row and the summary do', () => {
		const ok = { ...initialHostView(hostConfig('web-1', ['web'])), current: 4, outcome: 'ok', ending: 'ok', progress: 'done', reason: 'switched after a retry', lastLine: 'up' } as const;
		const text = (line: TileLine) => line.map((segment) => segment.text).join('');
		const tile = tileLines({ host: ok, focused: false, selected: false, width: 40, now: 0, tick: 0 }).map(text);
		expect(tile.join('\n')).not.toContain('✗');
		const columns = tableColumns(100, 5, 4);
		expect(text(rowSegments({ host: ok, focused: false, selected: false, columns, width: 100, now: 0, tick: 0 }))).not.toContain('✗ switched');
		const failed = { ...ok, outcome: 'failed', ending: 'failed', reason: 'health check failed' } as const;
		expect(tileLines({ host: failed, focused: false, selected: false, width: 40, now: 0, tick: 0 }).map(text)[4]?.trimEnd()).toBe('✗ health check failed');
		expect(text(rowSegments({ host: failed, focused: false, selected: false, columns, width: 100, now: 0, tick: 0 }))).toContain('✗ health check failed');
	});
});

describe('scrolling views (diff, help)', () => {
	it('move by a line, a page or to an end, never past either end', () => {
		const keys = ['up', 'down', 'pageup', 'pagedown', 'home', 'end'].map((key) => scrollStep(actionFor('diff', key), 9));
		expect(keys).toEqual([-1, 1, -9, 9, -Infinity, Infinity]);
		expect(scrollStep(actionFor('diff', 'escape'), 9)).toBeUndefined();
		expect(scrollReducer(5, { by: -Infinity, max: 20 })).toBe(0);
		expect(scrollReducer(5, { by: Infinity, max: 20 })).toBe(20);
		expect(scrollReducer(5, { by: 9, max: 20 })).toBe(14);
	});
});

describe('log pane state', () => {
	it('holds a scrolled-back view still while lines arrive, and follows again on G', () => {
		let state = logPaneReducer(initialLogPaneState, { type: 'scroll', by: -5, extent: { total: 100, held: 100, rows: 10 } });
		expect(state.bottom).toBe(94);
		state = logPaneReducer(state, { type: 'scroll', by: -1000, extent: { total: 150, held: 100, rows: 10 } });
		// The oldest held line is 50; a full page ends at 59.
		expect(state.bottom).toBe(59);
		state = logPaneReducer(state, { type: 'scroll', by: 1000, extent: { total: 150, held: 100, rows: 10 } });
		expect(state.bottom).toBeNull();
	});
});

describe('generation list state', () => {
	it('starts on the current generation and clamps moves', () => {
		const list = [generation(3, 'c', true), generation(2, 'b'), generation(1, 'a')];
		expect(resolveHighlight(null, list)).toBe(0);
		expect(highlightReducer(null, { type: 'move', by: 1, list })).toBe(1);
		expect(highlightReducer(2, { type: 'move', by: 1, list })).toBe(2);
	});

	it('rolls one host back by number, several by release', () => {
		expect(rollbackPlan('web-1', generation(2, 'rel-b'), []).target).toEqual({ generation: 2 });
		expect(rollbackPlan('web-1', generation(2, 'rel-b'), ['web-1']).target).toEqual({ generation: 2 });
		const several = rollbackPlan('web-1', generation(2, 'rel-b'), ['web-1', 'web-2']);
		expect(several.target).toEqual({ release: 'rel-b' });
		expect(several.hosts).toEqual(['web-1', 'web-2']);
	});
});

describe('spinner clock', () => {
	it('runs one interval for any number of spinners, and none when nobody watches', () => {
		vi.useFakeTimers();
		const setInterval = vi.spyOn(globalThis, 'setInterval');
		const ticks: number[] = [];
		const stops = Array.from({ length: 50 }, (_, index) => subscribeSpinner(() => ticks.push(index)));
		expect(setInterval).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(spinnerIntervalMs);
		expect(ticks).toHaveLength(50);
		for (const stop of stops) stop();
		expect(spinnerRunning()).toBe(false);
	});

	it('moves with the frames the store publishes, and its own timer skips a tick a frame already gave', () => {
		vi.useFakeTimers({ now: Date.now() + 60_000 });
		let ticks = 0;
		const stop = subscribeSpinner(() => (ticks += 1));
		vi.advanceTimersByTime(spinnerIntervalMs);
		expect(ticks).toBe(1);
		// A frame 100 ms later moves the spinner; the timer 60 ms after that does not add a frame of its own.
		vi.advanceTimersByTime(100);
		tickWithFrame();
		expect(ticks).toBe(2);
		tickWithFrame();
		expect(ticks).toBe(2);
		vi.advanceTimersByTime(60);
		expect(ticks).toBe(2);
		// A silent phase: the timer keeps it turning.
		vi.advanceTimersByTime(spinnerIntervalMs * 3);
		expect(ticks).toBeGreaterThanOrEqual(4);
		stop();
	});
});

describe('log capacity', () => {
	it('keeps fewer lines per host on a big fleet, within bounds', () => {
		expect(logCapacityFor(4)).toBe(2000);
		expect(logCapacityFor(200)).toBe(500);
		expect(logCapacityFor(1000)).toBe(200);
		expect(logCapacityFor(5000)).toBe(200);
	});
});

describe('NO_COLOR', () => {
	it('turns every theme colour off while the symbols stay', async () => {
		vi.stubEnv('NO_COLOR', '1');
		vi.resetModules();
		const theme = await import('../../source/app/theme.js');
		expect(theme.colourEnabled).toBe(false);
		expect(theme.tone('bad')).toBeUndefined();
		expect(theme.statusTone('failed')).toBeUndefined();
		expect(theme.endingTone('failed')).toBeUndefined();
		// The marks come from the outcome model's words, which colour does not touch.
		const words = await import('../../source/engine/outcome/words.js');
		expect(words.statusMarks.failed).toBe('✗');
		expect(theme.endingLabels.failed).toBe('✗ failed');
	});

	it('uses colour when NO_COLOR is unset or empty', async () => {
		vi.stubEnv('NO_COLOR', '');
		vi.resetModules();
		const theme = await import('../../source/app/theme.js');
		expect(theme.tone('bad')).toBe('red');
	});
});
