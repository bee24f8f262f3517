import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../source/engine/events.js';
import { exitCode } from '../../source/engine/outcome/exit-code.js';
import { RunFold, summarize } from '../../source/engine/outcome/run-record.js';
import { formatSummary } from '../../source/engine/outcome/words.js';

const started: EngineEvent = { type: 'run-started', runId: 'r1', kind: 'deploy', release: 'rel', hosts: ['a', 'b'], phases: ['preflight', 'upload', 'switch', 'validate', 'cleanup'], at: '2026-11-29T00:00:00Z' };

function fold(events: readonly EngineEvent[]) {
	const run = new RunFold();
	for (const event of events) run.apply(event);
	return run;
}

describe('the outcome model', () => {
	it('keeps a failed validation failed while the host goes back, and says where it ended', () => {
		const run = fold([
			started,
			{ type: 'phase', host: 'a', phase: 'preflight', status: 'running' },
			{ type: 'staged', staged: { host: 'a', from: 1, to: 2, release: 'rel', diff: { added: 1, changed: 0, removed: 0, bytes: 1 } } },
			{ type: 'switched', host: 'a', from: 1, to: 2, reason: 'deploy' },
			{ type: 'phase', host: 'a', phase: 'validate', status: 'failed', reason: 'HTTP 500' },
			{ type: 'switched', host: 'a', from: 2, to: 1, reason: 'auto-rollback' },
			{ type: 'phase', host: 'a', phase: 'validate', status: 'running', revert: true },
			{ type: 'phase', host: 'a', phase: 'validate', status: 'ok', revert: true },
			{ type: 'host-done', host: 'a', outcome: 'rolled-back', reason: 'HTTP 500; rolled back to generation 1', current: 1 },
			{ type: 'host-done', host: 'b', outcome: 'ok', current: 2 },
		]);
		const a = run.host('a');
		expect(a.phases.find((mark) => mark.phase === 'validate')?.status).toBe('failed');
		expect(a.phases.find((mark) => mark.phase === 'cleanup')?.status).toBe('skipped');
		expect(a).toMatchObject({ outcome: 'rolled-back', current: 1, target: null, progress: 'done' });
		const summary = summarize(run.record);
		expect(summary).toMatchObject({ passed: 1, rolledBack: 1, failed: 0, total: 2, current: { a: 1, b: 2 }, interrupted: false });
		expect(formatSummary(summary)).toEqual([
			'',
			'Summary: 1 passed, 0 failed, 1 rolled back, 2 total',
			'  ↺ a     rolled back — HTTP 500; rolled back to generation 1 · gen 1',
			'  ✓ b     ok · gen 2',
		]);
	});

	it('counts a queued host apart from one being worked on', () => {
		const run = fold([started, { type: 'phase', host: null, phase: 'build', status: 'running' }, { type: 'phase', host: 'b', phase: 'preflight', status: 'running' }]);
		expect(run.host('a').progress).toBe('queued');
		expect(run.host('b').progress).toBe('working');
	});

	it('gives one exit status for one outcome, console or headless', () => {
		const summary = (outcomes: Record<string, 'ok' | 'staged' | 'failed' | 'rolled-back' | 'manual' | 'cancelled'>, interrupted = false) => {
			const hosts = Object.keys(outcomes);
			return summarize({ hosts, records: Object.fromEntries(hosts.map((name) => [name, { name, phases: [], progress: 'done' as const, outcome: outcomes[name]!, reason: null, current: 1, target: null, steps: [] }])) }, interrupted);
		};
		expect(exitCode(null)).toBe(0);
		expect(exitCode(summary({ a: 'ok', b: 'ok' }))).toBe(0);
		expect(exitCode(summary({ a: 'ok', b: 'failed' }))).toBe(1);
		expect(exitCode(summary({ a: 'ok', b: 'rolled-back' }))).toBe(1);
		expect(exitCode(summary({ a: 'ok', b: 'manual' }))).toBe(1);
		expect(exitCode(summary({ a: 'staged', b: 'staged' }))).toBe(3);
		expect(exitCode(summary({ a: 'ok', b: 'cancelled' }, true))).toBe(130);
		// A cancelled run is a cancelled run, whatever its hosts reached.
		expect(exitCode(summary({ a: 'failed', b: 'cancelled' }, true))).toBe(130);
		expect(exitCode(summary({ a: 'ok' }), 'output-closed')).toBe(141);
		expect(exitCode(summary({ a: 'ok' }), 'terminate')).toBe(143);
		expect(exitCode(summary({ a: 'ok' }), 'hangup')).toBe(129);
	});
});
