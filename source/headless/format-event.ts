import type { EngineEvent, HostOutcome, PhaseStatus, RunSummary, StagedHost } from '../engine/events.js';
import { formatBytes } from '../engine/format-bytes.js';

/** Symbols that read without colour (NO_COLOR) and in CI logs. */
export const statusMark: Record<PhaseStatus, string> = { pending: '·', running: '▸', ok: '✓', failed: '✗', skipped: '–' };
export const outcomeMark: Record<HostOutcome, string> = { ok: '✓', staged: '◌', failed: '✗', 'rolled-back': '↺', manual: '‼', cancelled: '⊘' };
export const outcomeLabel: Record<HostOutcome, string> = {
	ok: 'ok',
	staged: 'staged, not switched',
	failed: 'failed',
	'rolled-back': 'rolled back',
	manual: 'MANUAL INTERVENTION REQUIRED',
	cancelled: 'cancelled',
};

export const describeDiff = (staged: StagedHost): string =>
	`+${staged.diff.added} ~${staged.diff.changed} -${staged.diff.removed}, ${formatBytes(staged.diff.bytes)}`;

/** One event as plain lines, prefixed by host (or "build"); undefined for events with nothing to say. */
export function formatEvent(event: EngineEvent): string[] {
	const tag = (host: string | null) => `[${host ?? 'build'}]`;
	switch (event.type) {
		case 'run-started':
			return [`${event.kind} ${event.release} → ${event.hosts.join(', ')}${event.phases.length ? ` (${event.phases.join(' → ')})` : ''}`];
		case 'log':
			return [`${tag(event.host)} ${event.line}`];
		case 'phase':
			if (event.status === 'running' || event.status === 'pending') return [`${tag(event.host)} ${statusMark[event.status]} ${event.phase}`];
			if (event.status === 'skipped') return [];
			return [`${tag(event.host)} ${statusMark[event.status]} ${event.phase}${event.ms === undefined ? '' : ` (${(event.ms / 1000).toFixed(1)}s)`}${event.reason ? `: ${event.reason}` : ''}`];
		case 'step':
			return [`${tag(event.host)} ${event.state === 'success' ? '✓' : event.state === 'failure' ? '✗' : '▸'} ${event.name}${event.message ? ` — ${event.message}` : ''}`];
		case 'staged':
			return [`${tag(event.staged.host)} staged generation ${event.staged.to} (current: ${event.staged.from ?? 'none'}): ${describeDiff(event.staged)}`];
		case 'wave':
			return [`wave ${event.index}/${event.total}${event.canary ? ' (canary)' : ''}: ${event.hosts.join(', ')}`];
		case 'confirm':
			return [event.answer ? `switching ${event.hosts.length} host(s)` : `not switching: ${event.why ?? 'confirmation declined'}`];
		case 'switched':
			return [`${tag(event.host)} current: ${event.from ?? 'none'} → ${event.to} (${event.reason})`];
		case 'host-done':
			return [`${tag(event.host)} ${outcomeMark[event.outcome]} ${outcomeLabel[event.outcome]}${event.reason ? `: ${event.reason}` : ''}`];
		case 'generations':
			return [];
		case 'run-finished':
			return formatSummary(event.summary);
	}
}

export function formatSummary(summary: RunSummary): string[] {
	const width = Math.max(4, ...Object.keys(summary.outcomes).map((host) => host.length));
	return [
		'',
		`Summary: ${summary.passed} passed, ${summary.failed} failed, ${summary.rolledBack} rolled back${summary.staged ? `, ${summary.staged} staged` : ''}${summary.cancelled ? `, ${summary.cancelled} cancelled` : ''}, ${summary.total} total`,
		...Object.entries(summary.outcomes).map(
			([host, outcome]) => `  ${outcomeMark[outcome]} ${host.padEnd(width)}  ${outcomeLabel[outcome]}${summary.reasons[host] && outcome !== 'ok' ? ` — ${summary.reasons[host]}` : ''}`,
		),
	];
}
