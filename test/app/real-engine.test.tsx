import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as engine from '../../source/engine/index.js';
import { loadConfig } from '../../source/config/load-config.js';
import { transportFactory } from '../../source/transport/open-transport.js';
import { createLocalFleet, type LocalFleet } from '../support/local-fleet.js';
import { ARROW_DOWN, ARROW_UP, press, waitFor, waitForFrame } from './keys.js';
import { renderConsole, type RenderedConsole } from './render-console.js';

const fleets: LocalFleet[] = [];
afterEach(() => {
	cleanup();
});
afterAll(async () => {
	await Promise.all(fleets.map((fleet) => fleet.stop()));
});

/** Counts runs as the console sees them finish, so a test can wait for the n-th one. */
function countFinishedRuns(rendered: RenderedConsole): (count: number) => Promise<void> {
	let finished = 0;
	rendered.store.subscribe((state, previous) => {
		if (state.run.state === 'finished' && previous.run.state !== 'finished') finished += 1;
	});
	return (count) => waitFor(() => finished >= count, `run ${count} to finish`, 60_000);
}

/** Round trips of each host's preflight and switch in the newest recorded run. */
function newestRunTrips(fleet: LocalFleet): Record<string, Record<string, number | undefined>> {
	const runs = path.join(fleet.dir, '.switchyard', 'runs');
	const events = readFileSync(path.join(runs, readdirSync(runs).sort().at(-1)!, 'events.jsonl'), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as { type: string; host?: string; phase?: string; status?: string; trips?: number });
	const trips: Record<string, Record<string, number | undefined>> = {};
	for (const event of events) {
		if (event.type !== 'phase' || event.status !== 'ok' || !event.host || (event.phase !== 'preflight' && event.phase !== 'switch')) continue;
		(trips[event.host] ??= {})[event.phase] = event.trips;
	}
	return trips;
}

/**
 * Release names have one-second resolution (engine/release.ts), and two runs in the same second
 * would share one: wait for the clock to tick past the previous run's second before deploying.
 */
let lastDeploySecond = 0;
async function nextReleaseSecond(): Promise<void> {
	await waitFor(() => Math.floor(Date.now() / 1000) > lastDeploySecond, 'a new release second', 2000);
	lastDeploySecond = Math.floor(Date.now() / 1000);
}

describe('the console on real local hosts', () => {
	it('deploys with confirm, declines, lists generations and rolls back with one key', async () => {
		const fleet = await createLocalFleet(['alpha', 'bravo']);
		fleets.push(fleet);
		const config = loadConfig(fleet.config);
		const rendered = await renderConsole({ config, engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		const { lastFrame, stdin } = rendered;
		const finished = countFinishedRuns(rendered);

		// Two deploys of both hosts, each confirmed: generations 1 and 2.
		await press(stdin, 'a');
		for (const round of [1, 2]) {
			await nextReleaseSecond();
			await press(stdin, 'd');
			const dialog = await waitForFrame(lastFrame, 'Switch now?', 60_000);
			expect(dialog).toMatch(new RegExp(`2 hosts  ${round === 1 ? '∅' : '1'} → ${round} .*alpha, bravo`));
			await press(stdin, 'y');
			await finished(round);
			expect(fleet.current('alpha')).toBe(round);
			expect(fleet.current('bravo')).toBe(round);
		}
		await waitForFrame(lastFrame, '✓ 2 ok');

		// A third deploy declined with the default answer: staged, nothing switched.
		await nextReleaseSecond();
		await press(stdin, 'd');
		await waitForFrame(lastFrame, 'Switch now?', 60_000);
		await press(stdin, 'n');
		await finished(3);
		expect(fleet.current('alpha')).toBe(2);
		expect(fleet.current('bravo')).toBe(2);

		// One host: g lists its generations, ↓ highlights generation 1, r + y rolls back to it.
		await press(stdin, 'a');
		await waitForFrame(lastFrame, '0 of 2 selected');
		await press(stdin, 'g');
		let list = await waitForFrame(lastFrame, /●\s+2 .*\(current\)/, 20_000);
		expect(list).toContain('Generations of alpha');
		// Each generation with its status: the declined one says so; columns line up under the heading.
		expect(list).toMatch(/\s1 {2}✓ live +\d{4}-\d\d-\d\d/);
		expect(list).toMatch(/\s3 {2}◌ declined +\d{4}-\d\d-\d\d/);
		const heading = list.split('\n').find((line) => line.includes(' id  status'))!;
		const row = list.split('\n').find((line) => /\s1 {2}✓ live/.test(line))!;
		expect(row.search(/\d{4}-/)).toBe(heading.indexOf('created'));
		await press(stdin, ARROW_DOWN);
		await waitForFrame(lastFrame, /▸\s+1 /);
		await press(stdin, 'r');
		await waitForFrame(lastFrame, 'Roll back alpha to generation 1');
		await press(stdin, 'y');
		await finished(4);
		expect(fleet.current('alpha')).toBe(1);
		expect(fleet.current('bravo')).toBe(2);
		const tile = await waitForFrame(lastFrame, 's✓ v✓');
		expect(tile).toMatch(/p✓ s✓ v✓/);
		expect(fleet.switchesLog('alpha').at(-1)).toContain('rollback');
		// From the list the operator picked in: lock, listing and switch in one round trip.
		expect(newestRunTrips(fleet)).toEqual({ alpha: { preflight: 1, switch: 0 } });

		// Both selected: r rolls every selected host back to the highlighted generation's release.
		await press(stdin, 'a');
		await waitForFrame(lastFrame, '2 of 2 selected');
		await press(stdin, 'g');
		list = await waitForFrame(lastFrame, /●\s+1 .*\(current\)/, 20_000);
		await press(stdin, ARROW_UP);
		await waitForFrame(lastFrame, /▸\s+2 /);
		await press(stdin, ARROW_DOWN);
		await waitForFrame(lastFrame, /▸●\s+1 /);
		await press(stdin, 'r');
		await waitForFrame(lastFrame, 'Roll back 2 selected hosts (alpha, bravo) to release');
		await press(stdin, 'y');
		await finished(5);
		expect(fleet.current('alpha')).toBe(1);
		expect(fleet.current('bravo')).toBe(1);
		// bravo was never opened with g: what the console read back of it at its last run is enough.
		// alpha runs that release already: its listing says so and nothing switches.
		expect(newestRunTrips(fleet)).toEqual({ alpha: { preflight: 1 }, bravo: { preflight: 1, switch: 0 } });
	});

	it('the g list shows a hostile generation.json as text: no escape sequence reaches the terminal (#24.6)', async () => {
		const fleet = await createLocalFleet(['alpha']);
		fleets.push(fleet);
		expect((await fleet.run('deploy', '--yes')).exitCode).toBe(0);
		const meta = path.join(fleet.root('alpha'), 'generations', '1', '.switchyard', 'generation.json');
		writeFileSync(meta, readFileSync(meta, 'utf8').replace(/"release":"[^"]*"/, '"release":"evil\\u001b]2;PWNED\\u0007\\u001b[2J"').replace(/"by":"[^"]*"/, '"by":"\\u001b[31mmallory"'));
		const rendered = await renderConsole({ config: loadConfig(fleet.config), engine, openTransport: transportFactory(), columns: 100, rows: 30 });
		await press(rendered.stdin, 'g');
		const list = await waitForFrame(rendered.lastFrame, /●\s+1 .*\(current\)/, 20_000);
		expect(list).toContain('evil␛]2;PWNED␇␛[2J');
		expect(list).toContain('␛[31mmallory');
		for (const raw of ['\u001b]2;', '\u0007', '\u001b[2J', '\u001b[31mmallory']) expect(list).not.toContain(raw);
	});
});
