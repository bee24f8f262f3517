import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as engine from '../../source/engine/index.js';
import { loadConfig } from '../../source/config/load-config.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';
import { processesWithArgv } from '../support/processes.js';
import { press, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

const fleets: LocalFleet[] = [];

/** A tile's text: the columns of the tile whose header names `host`, down to its bottom border. */
function tileText(frame: string, host: string): string {
	const lines = frame.split('\n');
	const row = lines.findIndex((line) => new RegExp(`[○◉] ${host} `).test(line));
	if (row < 0) return '';
	const start = Math.max(lines[row]!.lastIndexOf('│', lines[row]!.indexOf(`${host} `)), lines[row]!.lastIndexOf('║', lines[row]!.indexOf(`${host} `)));
	return lines
		.slice(row, row + 5)
		.map((line) => [...line].slice(start, start + 33).join(''))
		.join('\n');
}
afterEach(() => cleanup());
afterAll(async () => Promise.all(fleets.map((fleet) => fleet.stop())));

describe('console safety on real local hosts', () => {
	it('asks between the canary and the rest; No leaves the rest staged', async () => {
		const fleet = await createLocalFleet(['canary', 'rest'], { toml: '' });
		fleets.push(fleet);
		writeFileSync(fleet.config, readFileSync(fleet.config, 'utf8').replace('[defaults]\n', '[defaults]\ncanary = 1\n'));
		const rendered = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		const { lastFrame, stdin, store } = rendered;
		await press(stdin, 'a', 'd');
		await waitForFrame(lastFrame, 'Switch now?', 60_000);
		const question = await waitForFrame(lastFrame, 'Switch now?', 60_000);
		expect(question).toContain('wave 1 (canary): canary · wave 2: 1 host');
		await press(stdin, 'y');
		const between = await waitForFrame(lastFrame, 'Continue with wave 2?', 60_000);
		expect(between).toContain('Wave 1 of 2 done (canary)');
		expect(between).toContain('switched: canary');
		expect(between).toContain('still staged: rest');
		// The host of wave 2 says it waits for it; confirmed, but not switched yet.
		expect(tileText(between, 'rest')).toContain('› ◐ waiting for wave 2');
		expect(fleet.current('canary')).toBe(1);
		expect(fleet.current('rest')).toBeNull();
		await press(stdin, 'n');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish', 30_000);
		expect(fleet.current('rest')).toBeNull();
		expect(fleet.generations('rest')).toEqual([1]);
		// Declining the wave leaves the host staged: the staged mark, not a failure's.
		const after = await waitForFrame(lastFrame, (frame) => tileText(frame, 'rest').includes('◐ not switched'));
		expect(tileText(after, 'rest')).not.toContain('✗');
	});

	it('breaks a lock with B after a confirm, and says so in switches.log', async () => {
		const fleet = await createLocalFleet(['alpha']);
		fleets.push(fleet);
		const lock = path.join(fleet.root('alpha'), '.lock');
		mkdirSync(lock, { recursive: true });
		writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ operator: 'old@laptop', machine: 'laptop', pid: 1, runId: 'r-old', startedAt: '2026-01-01T00:00:00Z' }));
		const { lastFrame, stdin } = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		await press(stdin, 'B');
		await waitForFrame(lastFrame, 'Break the deploy lock of alpha?');
		await press(stdin, 'n');
		await waitForFrame(lastFrame, 'lock left in place');
		expect(existsSync(lock)).toBe(true);
		await press(stdin, 'B');
		await waitForFrame(lastFrame, 'Remove the lock?');
		await press(stdin, 'y');
		await waitForFrame(lastFrame, 'alpha: lock removed (recorded in switches.log)', 20_000);
		expect(existsSync(lock)).toBe(false);
		expect(readFileSync(path.join(fleet.root('alpha'), 'switches.log'), 'utf8')).toContain('break-lock');
	});

	it('a second Ctrl-C stops the switch under way and reports the host as it reads back', async () => {
		// A hook that runs until stopped (a sleep no other test runs, found on the host, this machine):
		// both Ctrl-Cs land while it runs.
		const fleet = await createLocalFleet(['alpha'], { hostToml: { alpha: 'after_switch = ["sleep 619"]' } });
		fleets.push(fleet);
		const { lastFrame, stdin, store } = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'Switch now?', 60_000);
		await press(stdin, 'y');
		await waitFor(() => store.getState().hosts.alpha?.phases.some((mark) => mark.phase === 'switch' && mark.status === 'running') ?? false, 'the switch to start', 20_000);
		await waitFor(() => processesWithArgv(['sleep', '619']).length > 0, 'the after_switch hook to run', 20_000);
		await press(stdin, '\u0003');
		await waitForFrame(lastFrame, 'cancelling: in-flight switches finish');
		await press(stdin, '\u0003');
		await waitFor(() => store.getState().run.state === 'finished', 'the run to finish', 30_000);
		await waitForFrame(lastFrame, 'activating generation 1: stopped by a second cancel');
		// The swap had happened; the after_switch hook was stopped: reported as it is, not as ok.
		expect(fleet.current('alpha')).toBe(1);
		expect(store.getState().hosts.alpha?.current).toBe(1);
		// No previous generation to return to: manual intervention, as headless says (test/e2e/safety-holes.test.ts).
		expect(store.getState().hosts.alpha?.outcome).toBe('manual');
		await waitFor(() => processesWithArgv(['sleep', '619']).length === 0, 'the hook to be stopped on the host', 20_000);
	});
});
