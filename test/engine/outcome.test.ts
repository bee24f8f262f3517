import { describe, expect, it } from 'vitest';
import { hostEndings, type EngineEvent, type HostOutcome, type RunSummary } from '../../source/engine/events.js';
import { bodyStart } from '../../source/engine/health.js';
import { endingOf, endingRules } from '../../source/engine/outcome/endings.js';
import { exitCode } from '../../source/engine/outcome/exit-code.js';
import { RunFold, summarize } from '../../source/engine/outcome/run-record.js';
import { SessionFold, sessionTally } from '../../source/engine/outcome/session.js';
import { recordedTally, tallyLine, tallyOfRun } from '../../source/engine/outcome/tally.js';
import { eventLines, formatSession, formatSummary } from '../../source/engine/outcome/words.js';

const started: EngineEvent = { type: 'run-started', runId: 'r1', kind: 'deploy', release: 'rel', hosts: ['a', 'b'], phases: ['preflight', 'upload', 'switch', 'validate', 'cleanup'], at: '2026-11-29T00:00:00Z' };

function fold(events: readonly EngineEvent[]) {
	const run = new RunFold();
	for (const event of events) run.apply(event);
	return run;
}

/** A finished run whose hosts ended as `outcomes` say. */
function summaryOf(outcomes: Record<string, HostOutcome>, options: { kind?: 'deploy' | 'rollback'; interrupted?: boolean; reasons?: Record<string, string> } = {}): RunSummary {
	const hosts = Object.keys(outcomes);
	const kind = options.kind ?? 'deploy';
	const records = Object.fromEntries(hosts.map((name) => [name, { name, phases: [], progress: 'done' as const, kind, outcome: outcomes[name]!, ending: endingOf(kind, outcomes[name]!), reason: options.reasons?.[name] ?? null, current: 1, target: null, steps: [] }]));
	return summarize({ kind, phases: ['preflight', 'upload', 'switch', 'validate'], hosts, records }, options.interrupted);
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
		expect(a).toMatchObject({ outcome: 'rolled-back', ending: 'rolled-back', current: 1, target: null, progress: 'done' });
		const summary = summarize(run.record);
		expect(summary.tally).toEqual({ total: 2, dryRun: false, interrupted: false, counts: { manual: 0, failed: 0, 'rolled-back': 1, staged: 0, cancelled: 0, skipped: 0, 'operator-rollback': 0, ok: 1 } });
		expect(summary.current).toEqual({ a: 1, b: 2 });
		expect(formatSummary(summary)).toEqual(['', 'Summary: ↺ 1 rolled back · ✓ 1 ok (2 hosts)', '  ↺ a     rolled back — HTTP 500; rolled back to generation 1 · gen 1', '  ✓ 1 ok: b']);
		expect(formatSummary(summary, { verbose: true })).toEqual(['', 'Summary: ↺ 1 rolled back · ✓ 1 ok (2 hosts)', '  ↺ a     rolled back — HTTP 500; rolled back to generation 1 · gen 1', '  ✓ b     ok · gen 2']);
	});

	it('counts a queued host apart from one being worked on', () => {
		const run = fold([started, { type: 'phase', host: null, phase: 'build', status: 'running' }, { type: 'phase', host: 'b', phase: 'preflight', status: 'running' }]);
		expect(run.host('a').progress).toBe('queued');
		expect(run.host('b').progress).toBe('working');
	});

	it('gives one exit status for one tally, console or headless', () => {
		expect(exitCode(null)).toBe(0);
		expect(exitCode(summaryOf({ a: 'ok', b: 'ok' }).tally)).toBe(0);
		expect(exitCode(summaryOf({ a: 'ok', b: 'failed' }).tally)).toBe(1);
		expect(exitCode(summaryOf({ a: 'ok', b: 'rolled-back' }).tally)).toBe(1);
		expect(exitCode(summaryOf({ a: 'ok', b: 'manual' }).tally)).toBe(1);
		expect(exitCode(summaryOf({ a: 'staged', b: 'staged' }).tally)).toBe(3);
		expect(exitCode(summaryOf({ a: 'staged', b: 'failed' }).tally)).toBe(1);
		expect(exitCode(summaryOf({ a: 'ok', b: 'skipped' }).tally)).toBe(0);
		expect(exitCode(summaryOf({ a: 'ok' }, { kind: 'rollback' }).tally)).toBe(0);
		expect(exitCode(summaryOf({ a: 'ok', b: 'cancelled' }, { interrupted: true }).tally)).toBe(130);
		// A cancelled run is a cancelled run, whatever its hosts reached.
		expect(exitCode(summaryOf({ a: 'failed', b: 'cancelled' }, { interrupted: true }).tally)).toBe(130);
		expect(exitCode(summaryOf({ a: 'ok' }).tally, 'output-closed')).toBe(141);
		expect(exitCode(summaryOf({ a: 'ok' }).tally, 'terminate')).toBe(143);
		expect(exitCode(summaryOf({ a: 'ok' }).tally, 'hangup')).toBe(129);
	});

	it('names only the buckets with hosts, manual intervention first, in three lengths', () => {
		const tally = summaryOf({ a: 'ok', b: 'manual', c: 'staged', d: 'rolled-back', e: 'cancelled', f: 'failed', g: 'skipped' }).tally;
		expect(tallyLine(tally)).toBe('‼ 1 manual intervention · ✗ 1 failed · ↺ 1 rolled back · ◐ 1 staged, not switched · ⊘ 1 cancelled · – 1 skipped · ✓ 1 ok');
		expect(tallyLine(tally, 'short')).toBe('‼ 1 manual · ✗ 1 failed · ↺ 1 rolled back · ◐ 1 staged · ⊘ 1 cancelled · – 1 skipped · ✓ 1 ok');
		expect(tallyLine(tally, 'marks')).toBe('‼ 1 · ✗ 1 · ↺ 1 · ◐ 1 · ⊘ 1 · – 1 · ✓ 1');
		expect(tallyLine(tallyOfRun('deploy', ['build', 'preflight'], ['ok', 'ok']))).toBe('dry run · ✓ 2 ok');
		expect(tallyLine(tallyOfRun('rollback', ['preflight', 'switch'], ['ok', 'skipped']))).toBe('– 1 skipped · ↩ 1 rolled back by operator');
		expect(tallyLine(summaryOf({ a: 'cancelled' }, { interrupted: true }).tally)).toBe('run cancelled · ⊘ 1 cancelled');
	});

	it('every ending has its rules, and the one table orders problems first', () => {
		for (const ending of hostEndings) expect(endingRules[ending].mark).toMatch(/^\S$/);
		const ranks = hostEndings.map((ending) => endingRules[ending].rank);
		expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
		expect(hostEndings.filter((ending) => endingRules[ending].retried)).toEqual(['manual', 'failed', 'rolled-back', 'cancelled']);
		expect(hostEndings.filter((ending) => endingRules[ending].failed)).toEqual(['manual', 'failed', 'rolled-back']);
	});

	it('reads a summary at 1000 hosts: problems one per line first, the rest one counted line each', () => {
		const outcomes: Record<string, HostOutcome> = {};
		for (let index = 1; index <= 1000; index += 1) outcomes[`node-${String(index).padStart(4, '0')}`] = 'ok';
		outcomes['node-0999'] = 'manual';
		outcomes['node-0007'] = 'failed';
		outcomes['node-0500'] = 'staged';
		outcomes['node-0042'] = 'cancelled';
		const lines = formatSummary(summaryOf(outcomes, { reasons: { 'node-0999': 'health check failed', 'node-0007': 'locked by carol' } }));
		expect(lines).toHaveLength(7);
		expect(lines[1]).toBe('Summary: ‼ 1 manual intervention · ✗ 1 failed · ◐ 1 staged, not switched · ⊘ 1 cancelled · ✓ 996 ok (1000 hosts)');
		expect(lines[2]).toBe('  ‼ node-0999  MANUAL INTERVENTION REQUIRED — health check failed · gen 1');
		expect(lines[3]).toBe('  ✗ node-0007  failed — locked by carol · gen 1');
		expect(lines[4]).toBe('  ◐ node-0500  staged, not switched · gen 1');
		expect(lines[5]).toBe('  ⊘ 1 cancelled: node-0042');
		expect(lines[6]).toMatch(/^ {2}✓ 996 ok: node-0001, node-0002, .*, node-\d{4} and \d+ more \(--verbose lists them\)$/);
		for (const line of lines.slice(2)) expect(line.length).toBeLessThanOrEqual(100);
		expect(formatSummary(summaryOf(outcomes), { verbose: true })).toHaveLength(1002);
	});

	it("a console session's summary: every run, then each host as the latest run that moved it left it", () => {
		const session = new SessionFold();
		const run = (runId: string, kind: 'deploy' | 'rollback', outcomes: Record<string, HostOutcome>) => {
			const hosts = Object.keys(outcomes);
			session.apply({ type: 'run-started', runId, kind, release: `${kind}-rel`, hosts, phases: ['preflight', 'switch'], at: '' });
			session.apply({ type: 'run-finished', runId, summary: summaryOf(outcomes, { kind }), at: '', cancelled: false });
		};
		run('r1', 'deploy', { alpha: 'ok', bravo: 'rolled-back' });
		run('r2', 'rollback', { alpha: 'ok' });
		expect(formatSession(session.runs)).toEqual([
			'',
			'Session: 2 runs',
			'  deploy    deploy-rel    ↺ 1 rolled back · ✓ 1 ok (2 hosts)    run r1',
			'  rollback  rollback-rel  ↩ 1 rolled back by operator (1 host)  run r2',
			'Hosts, as the session left them: ↺ 1 rolled back · ↩ 1 rolled back by operator (2 hosts)',
			'  ↺ bravo  rolled back · gen 1',
			'  ↩ 1 rolled back by operator: alpha',
		]);
		expect(exitCode(sessionTally(session.runs))).toBe(1);
		run('r3', 'deploy', { bravo: 'ok' });
		expect(exitCode(sessionTally(session.runs))).toBe(0);
	});

	it('reads a tally from records written before there was one', () => {
		const old = { passed: 1, failed: 1, rolledBack: 0, staged: 0, cancelled: 0, interrupted: false, total: 2, outcomes: { a: 'ok', b: 'manual' } as Record<string, HostOutcome> };
		expect(tallyLine(recordedTally({ kind: 'deploy', phases: ['preflight', 'upload', 'switch'] }, old))).toBe('‼ 1 manual intervention · ✓ 1 ok');
	});

	it('words a switch and a host\'s end one way, for every surface', () => {
		expect(eventLines({ type: 'switched', host: 'a', from: null, to: 2, reason: 'deploy' }, 'deploy')).toEqual(['⇄ switched ∅ → 2 (deploy)']);
		expect(eventLines({ type: 'host-done', host: 'a', outcome: 'ok', current: 2 }, 'rollback')).toEqual(['↩ rolled back by the operator · gen 2']);
		expect(eventLines({ type: 'host-done', host: 'a', outcome: 'skipped', reason: 'already on generation 2', current: 2 }, 'rollback')).toEqual(['– skipped — already on generation 2 · gen 2']);
	});

	it('shows the start of an error body on one line, without control characters, bounded', () => {
		expect(bodyStart('unhealthy\r\n\u001b[31mred\u0007 text\n')).toBe('unhealthy [31mred text');
		expect(bodyStart('x'.repeat(500))).toHaveLength(120);
		expect(bodyStart('')).toBe('');
	});
});
