import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedFleets, type LocalFleet } from '../support/local-fleet.js';

/**
 * Issue #14, headless: every run reads its hosts' generations back at its end (digest included)
 * and records them; the next rollback starts from that record, so lock, listing and switch are
 * one round trip per host. Real local hosts, the built CLI, the demo's real health checks.
 */
const fleet = trackedFleets();

interface RecordedEvent {
	readonly type: string;
	readonly host?: string;
	readonly phase?: string;
	readonly status?: string;
	readonly trips?: number;
	readonly digest?: string;
}

function newestRun(demo: LocalFleet): RecordedEvent[] {
	const dir = path.join(demo.dir, '.switchyard', 'runs');
	const runId = readdirSync(dir).sort().at(-1)!;
	return readFileSync(path.join(dir, runId, 'events.jsonl'), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line) as RecordedEvent);
}

/** Round trips per host in `phase`, as the run recorded them. */
const tripsIn = (events: readonly RecordedEvent[], phase: string): Record<string, number | undefined> =>
	Object.fromEntries(events.filter((event) => event.type === 'phase' && event.phase === phase && event.status === 'ok' && event.host).map((event) => [event.host!, event.trips]));

describe('headless rollback from what the last run read back', () => {
	it('after a deploy, a rollback and a rollback back are one round trip per host each', async () => {
		const demo = await fleet(['alpha', 'beta']);
		for (let deploy = 0; deploy < 2; deploy++) expect((await demo.run('deploy', '--yes')).exitCode).toBe(0);
		const deployed = newestRun(demo).filter((event) => event.type === 'generations');
		// The deploy ends each host with its listing as read back, with the host's digest of it.
		expect(deployed.at(-1)?.digest).toMatch(/^[0-9a-f]{64}$/);

		const back = await demo.run('rollback', '--yes');
		expect(back.exitCode, back.stderr).toBe(0);
		expect(demo.current('alpha')).toBe(1);
		expect(demo.current('beta')).toBe(1);
		const first = newestRun(demo);
		expect(tripsIn(first, 'preflight')).toEqual({ alpha: 1, beta: 1 });
		expect(tripsIn(first, 'switch')).toEqual({ alpha: 0, beta: 0 });

		const forth = await demo.run('rollback', '--to', '2', '--yes');
		expect(forth.exitCode, forth.stderr).toBe(0);
		expect(demo.current('alpha')).toBe(2);
		const second = newestRun(demo);
		expect(tripsIn(second, 'preflight')).toEqual({ alpha: 1, beta: 1 });
		expect(tripsIn(second, 'switch')).toEqual({ alpha: 0, beta: 0 });
		expect(await demo.health('alpha')).toContain(JSON.parse(readFileSync(path.join(demo.root('alpha'), 'generations', '2', '.switchyard', 'generation.json'), 'utf8')).release);
	});
});
