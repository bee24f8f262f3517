import type { EngineEvent } from '../engine/events.js';
import { formatBytes } from '../engine/format-bytes.js';
import { describeDiff, describeWavePlan, formatSummary, outcomeWords, revertSuffix, statusMarks, stepMarks } from '../engine/outcome/words.js';

/** One event as plain lines, prefixed by host (or "build"); none for events with nothing to say. */
export function formatEvent(event: EngineEvent): string[] {
	const tag = (host: string | null) => `[${host ?? 'build'}]`;
	switch (event.type) {
		case 'run-started':
			return [`${event.kind} ${event.release} → ${event.hosts.join(', ')}${event.phases.length ? ` (${event.phases.join(' → ')})` : ''}${event.retryOf ? ` · retrying run ${event.retryOf}` : ''}`];
		case 'log':
			return [`${tag(event.host)} ${event.line}`];
		case 'artifact':
			return [`${tag(event.host)} artifact: ${event.files} files, ${formatBytes(event.bytes)} (${event.digest.slice(0, 19)}…)`];
		case 'phase': {
			const revert = revertSuffix(event.revert);
			if (event.status === 'running' || event.status === 'pending') return [`${tag(event.host)} ${statusMarks[event.status]} ${event.phase}${revert}`];
			if (event.status === 'skipped') return [];
			return [`${tag(event.host)} ${statusMarks[event.status]} ${event.phase}${revert}${event.ms === undefined ? '' : ` (${(event.ms / 1000).toFixed(1)}s)`}${event.reason ? `: ${event.reason}` : ''}`];
		}
		case 'step':
			return [`${tag(event.host)} ${stepMarks[event.state]} ${event.name}${event.message ? ` — ${event.message}` : ''}`];
		case 'staged':
			return [`${tag(event.staged.host)} staged generation ${event.staged.to} (current: ${event.staged.from ?? 'none'}): ${describeDiff(event.staged.diff)}`];
		case 'wave':
			return [`wave ${event.index}/${event.total}${event.canary ? ' (canary)' : ''}: ${event.hosts.join(', ')}`];
		case 'confirm':
			return [event.answer ? `switching ${event.hosts.length} host${event.hosts.length === 1 ? '' : 's'}${event.plan ? `: ${describeWavePlan(event.plan)}` : ''}` : `not switching: ${event.why ?? 'confirmation declined'}`];
		case 'switched':
			return [`${tag(event.host)} current: ${event.from ?? 'none'} → ${event.to} (${event.reason})`];
		case 'host-done': {
			const words = outcomeWords[event.outcome];
			return [`${tag(event.host)} ${words.mark} ${words.label}${event.reason ? `: ${event.reason}` : ''}`];
		}
		case 'generations':
		case 'host-facts':
			// Read by the tables that show them (check, generations); the lock's own log line says it in a run.
			return [];
		case 'run-finished':
			return formatSummary(event.summary);
	}
}
