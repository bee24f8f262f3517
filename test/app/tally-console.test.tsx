import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as engine from '../../source/engine/index.js';
import { loadConfig } from '../../source/config/load-config.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';
import { hostConfig } from '../store/host-fixtures.js';
import { FakeEngine } from './fake-engine.js';
import { press, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

/**
 * One tally, told the same on every surface (issue #19), in the console: frames and key presses,
 * with a fake engine where the engine is not the point and real local hosts where it is.
 */

const fleets: LocalFleet[] = [];
afterEach(() => cleanup());
afterAll(async () => Promise.all(fleets.map((fleet) => fleet.stop())));

async function localFleet(...args: Parameters<typeof createLocalFleet>): Promise<LocalFleet> {
	const fleet = await createLocalFleet(...args);
	fleets.push(fleet);
	return fleet;
}

/** The status bar's first line: the last line but one of the frame. */
const statusLine = (frame: string): string => frame.split('\n').at(-2) ?? '';

describe('one tally, in the console', () => {
	it('counts manual intervention apart from failures in the status bar, at 200 hosts', async () => {
		const fake = new FakeEngine();
		const hosts = Array.from({ length: 200 }, (_, index) => hostConfig(`web-${String(index + 1).padStart(3, '0')}`, ['web']));
		for (const name of ['web-019', 'web-091', 'web-154']) fake.ending[name] = { outcome: 'manual', reason: 'HTTP 500; rollback to 1 failed too — manual intervention required' };
		const { lastFrame, stdin, store } = await renderConsole({ hosts, engine: fake, columns: 100, rows: 30 });
		await press(stdin, 'a', 'd');
		await waitForFrame(lastFrame, 'Switch now?');
		await press(stdin, 'y');
		await waitFor(() => store.getState().run.state === 'finished', 'the deploy to finish');
		const frame = await waitForFrame(lastFrame, 'deploy finished');
		expect(statusLine(frame)).toMatch(/‼ 3 manual( intervention)? · ✓ 197 ok/);
		expect(statusLine(frame)).not.toContain('failed');
	});

	it('d while a run is under way says so', async () => {
		const fake = new FakeEngine();
		let open = (): void => {};
		fake.gate = new Promise((resolve) => (open = resolve));
		const { lastFrame, stdin } = await renderConsole({ hosts: [hostConfig('web-1'), hostConfig('web-2')], engine: fake, columns: 80, rows: 24 });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'deploy running');
		await press(stdin, 'd');
		await waitForFrame(lastFrame, (frame) => statusLine(frame).includes('a run is under way: wait, or c to cancel'));
		expect(fake.deploys).toHaveLength(1);
		open();
	});

	it('B on a host with no lock says so, asks nothing and records nothing', async () => {
		const fleet = await localFleet(['alpha']);
		const { lastFrame, stdin } = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		await press(stdin, 'B');
		const frame = await waitForFrame(lastFrame, (text) => statusLine(text).includes('alpha: no lock is held; nothing to break'), 20_000);
		expect(frame).not.toContain('Break the deploy lock');
		expect(frame).not.toContain('lock removed');
		const runs = path.join(fleet.dir, '.switchyard', 'runs');
		expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
		expect(fleet.switchesLog('alpha')).toEqual([]);
	});

	it('R retries the last deploy that failed hosts, past a dry run', async () => {
		const fleet = await localFleet(['alpha', 'delta']);
		expect((await fleet.run('deploy', '--yes')).exitCode).toBe(0);
		writeFileSync(path.join(fleet.root('delta'), 'shared', 'data', 'break-new'), '');
		expect((await fleet.run('deploy', '--yes')).exitCode).toBe(1);
		rmSync(path.join(fleet.root('delta'), 'shared', 'data', 'break-new'));
		expect((await fleet.run('deploy', '--dry-run')).exitCode).toBe(0);
		const { lastFrame, stdin, store } = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		await press(stdin, 'R');
		await waitForFrame(lastFrame, 'Switch now?', 60_000);
		await press(stdin, 'y');
		await waitFor(() => store.getState().run.state === 'finished', 'the retry to finish', 60_000);
		expect(fleet.current('delta')).toBe(3);
		expect(fleet.current('alpha')).toBe(2);
	}, 180_000);

	it("the log shows the health check's pass, and a switch as headless words it", async () => {
		const fleet = await localFleet(['alpha']);
		const { lastFrame, stdin, store } = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 120, rows: 40 });
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'Switch now?', 60_000);
		await press(stdin, 'y');
		await waitFor(() => store.getState().run.state === 'finished', 'the deploy to finish', 60_000);
		await press(stdin, 'L');
		const frame = await waitForFrame(lastFrame, '✓ health: GET http://127.0.0.1:', 20_000);
		expect(frame).toMatch(/✓ health: GET http:\/\/127\.0\.0\.1:\d+\/health 200, release \S+ \(attempt \d+\)/);
		expect(frame).toContain('⇄ switched ∅ → 1 (deploy)');
		// The same line in the run record, as the headless printer writes it.
		const runs = path.join(fleet.dir, '.switchyard', 'runs');
		const log = readFileSync(path.join(runs, readdirSync(runs).sort().at(-1)!, 'hosts', 'alpha.log'), 'utf8');
		expect(log).toContain('⇄ switched ∅ → 1 (deploy)');
	}, 120_000);
});
