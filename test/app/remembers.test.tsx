import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent, HostOutcome } from '../../source/engine/events.js';
import { RunFold, summarize } from '../../source/engine/outcome/run-record.js';
import { lastKnownHosts } from '../../source/record/last-known.js';
import { RunRecorder } from '../../source/record/run-recorder.js';
import { fleetConfig, hostConfig } from '../store/host-fixtures.js';
import { FakeEngine, generation } from './fake-engine.js';
import { press, waitFor, waitForFrame } from './keys.js';
import { renderConsole } from './render-console.js';

const dirs: string[] = [];
afterEach(() => cleanup());
afterAll(() => {
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const names = Array.from({ length: 200 }, (_, index) => `node-${String(index + 1).padStart(3, '0')}`);
/** How the last deploy ended on the hosts that did not end ok. */
const badly: Record<string, { outcome: HostOutcome; reason: string; current: number }> = {
	'node-004': { outcome: 'manual', reason: 'validate: health failed; rollback to 1 failed too — manual intervention required', current: 2 },
	'node-009': { outcome: 'failed', reason: 'switch to 2: restart failed', current: 1 },
	'node-013': { outcome: 'rolled-back', reason: 'validate: health failed; rolled back to generation 1', current: 1 },
};

/** A deploy of release `release` to every host, recorded as a real run records it. */
async function recordDeploy(dir: string, runId: string, release: string, outcomeOf: (host: string) => { outcome: HostOutcome; reason?: string; current: number }): Promise<void> {
	const recorder = new RunRecorder(dir);
	const events: EngineEvent[] = [{ type: 'run-started', runId, kind: 'deploy', release, hosts: names, phases: ['preflight', 'upload', 'switch', 'validate', 'cleanup'], at: '2026-11-21T10:00:00.000Z' }];
	for (const host of names) {
		const { outcome, reason, current } = outcomeOf(host);
		events.push({ type: 'phase', host, phase: 'preflight', status: 'ok' }, { type: 'phase', host, phase: 'upload', status: 'ok' });
		events.push({ type: 'phase', host, phase: 'switch', status: outcome === 'failed' ? 'failed' : 'ok', ...(outcome === 'failed' ? { reason } : {}) });
		events.push({ type: 'log', host, stream: 'stdout', line: 'service restarted' });
		events.push({ type: 'host-done', host, outcome, ...(reason ? { reason } : {}), current });
	}
	// Summarized as the engine does: folded from the events.
	const fold = new RunFold();
	for (const event of events) fold.apply(event);
	events.push({ type: 'run-finished', runId, summary: summarize(fold.record), at: '2026-11-21T10:05:00.000Z', cancelled: false });
	for (const event of events) recorder.record(event);
	await recorder.close();
}

async function fleetWithRecords(): Promise<string> {
	const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-remembers-'));
	dirs.push(dir);
	// An older run, everything ok on generation 1; then the run that failed on three hosts.
	await recordDeploy(dir, '20261120-090000-000-aaaa', 'rel-1', () => ({ outcome: 'ok', current: 1 }));
	await recordDeploy(dir, '20261121-100000-000-bbbb', 'rel-2', (host) => badly[host] ?? { outcome: 'ok', current: 2 });
	return dir;
}

describe('the console remembers the fleet', () => {
	it('reads each host\'s last known outcome from the newest records', async () => {
		const dir = await fleetWithRecords();
		const known = await lastKnownHosts(dir, names);
		expect(known.size).toBe(200);
		expect(known.get('node-004')).toMatchObject({ outcome: 'manual', current: 2, release: 'rel-2', runId: '20261121-100000-000-bbbb' });
		expect(known.get('node-009')).toMatchObject({ outcome: 'failed', reason: 'switch to 2: restart failed', current: 1 });
		expect(known.get('node-001')).toMatchObject({ outcome: 'ok', current: 2 });
	});

	it('a 200-host console reopened after a failed run shows the failed hosts as failed before any key; f, sort by state and R use it', async () => {
		const dir = await fleetWithRecords();
		const engine = new FakeEngine();
		const hosts = names.map((name) => hostConfig(name, ['web']));
		const config = { ...fleetConfig(hosts), dir, file: path.join(dir, 'hosts.toml') };
		const { lastFrame, stdin, controller, store } = await renderConsole({ config, engine, columns: 100, rows: 30 });
		// What the console does once its first frame is out (run-console.tsx).
		void controller.recall();

		const frame = await waitForFrame(lastFrame, 'idle │ last recorded: ‼ 1 manual intervention · ✗ 1 failed · ↺ 1 rolled back · ✓ 197 ok');
		expect(frame).toMatch(/‼ node-004 .*2 +p✓ u✓ s✓ .*‼ validate: health failed; rollback to 1 failed/);
		expect(frame).toMatch(/✗ node-009 .*1 +p✓ u✓ s✗ .*✗ switch to 2: restart failed/);
		expect(frame).toMatch(/↺ node-013 .*1 +p✓ u✓ s✓ .*↺ validate: health failed; rolled back to gener/);
		expect(frame).toMatch(/✓ node-001 .*2 +p✓ u✓ s✓ .*› last deploy rel-2 \(2026-11-21 10:05\)/);

		// f jumps from host to failed host; sort by state puts them first.
		await press(stdin, 'f');
		await waitFor(() => store.getState().focus === 'node-004', 'f to reach node-004');
		await press(stdin, 'f');
		await waitFor(() => store.getState().focus === 'node-009', 'f to reach node-009');
		await press(stdin, 's');
		await waitForFrame(lastFrame, 'by state');
		expect(store.getState().ordered().slice(0, 3)).toEqual(['node-004', 'node-009', 'node-013']);

		// R retries exactly the failed hosts of that run, with its release.
		await press(stdin, 'R');
		await waitFor(() => engine.deploys.length === 1, 'the retry to start');
		expect(engine.deploys[0]!.hosts.map((host) => host.name)).toEqual(['node-004', 'node-009', 'node-013']);
		expect(engine.deploys[0]!.reuse?.release).toBe('rel-2');
	});

	it('then shows what the hosts say: current, a staged generation waiting for a switch, a held lock, and the drift', async () => {
		const dir = await fleetWithRecords();
		const engine = new FakeEngine();
		const few = names.slice(0, 4);
		engine.generations = {
			'node-001': [generation(1, 'rel-1'), generation(2, 'rel-2', true)],
			'node-002': [generation(1, 'rel-1', true), { ...generation(2, 'rel-2'), status: 'declined' }],
			'node-003': [generation(1, 'rel-1'), generation(2, 'rel-2', true)],
			'node-004': [generation(1, 'rel-1', true)],
		};
		engine.locks = { 'node-003': { reason: 'locked by ann@laptop (pid 4242, run r-ann) since 2026-11-21T10:00:00Z, 3 min ago', stale: false, operator: 'ann@laptop' } };
		const config = { ...fleetConfig(few.map((name) => hostConfig(name, ['web']))), dir, file: path.join(dir, 'hosts.toml') };
		const { lastFrame, controller } = await renderConsole({ config, engine, columns: 100, rows: 30 });
		await controller.recall();
		await controller.refreshGenerations();
		const frame = await waitForFrame(lastFrame, 'idle │ last recorded: ‼ 1 manual intervention · ✓ 3 ok │ 2 hosts not on release rel-2');
		// node-002 runs 1 with 2 staged and declined, waiting for a switch; node-003 is locked.
		expect(frame).toMatch(/node-002 +local gen 1 ◐2/);
		expect(frame).toContain('⊠ locked by ann@laptop (pid 42');
		expect(frame).toMatch(/node-004 +local gen 1/);
	});
});
