import type { DiffSummary, EngineEvent, GenerationInfo, GenerationStatus, HostOutcome, PhaseStatus, RunSummary } from '../events.js';
import { formatBytes } from '../format-bytes.js';
import { warningsShown } from '../warnings.js';

/*
 * Every mark and word the operator reads about a run, in one place: the console, the headless
 * printer and the run record's logs all take them from here, so they cannot drift apart. Marks
 * are symbols that read without colour (NO_COLOR) and in CI logs.
 */

export const statusMarks: Record<PhaseStatus, string> = { pending: '·', running: '▸', ok: '✓', failed: '✗', skipped: '–' };

type StepState = Extract<EngineEvent, { type: 'step' }>['state'];

/** A strategy script's steps, marked as phases are. */
export const stepMarks: Record<StepState, string> = { pending: statusMarks.pending, running: statusMarks.running, success: statusMarks.ok, failure: statusMarks.failed };

/** After a phase's name when it runs on the way back (a failed validation's rollback). */
export const revertSuffix = (revert: boolean | undefined): string => (revert ? ' (rolling back)' : '');

/** No generation yet (nothing deployed), where a generation number would be. */
export const noGenerationMark = '∅';

export const outcomeWords: Record<HostOutcome, { readonly mark: string; readonly label: string; readonly short: string }> = {
	ok: { mark: '✓', label: 'ok', short: 'ok' },
	staged: { mark: '◐', label: 'staged, not switched', short: 'staged' },
	failed: { mark: '✗', label: 'failed', short: 'failed' },
	'rolled-back': { mark: '↺', label: 'rolled back', short: 'rolled back' },
	manual: { mark: '‼', label: 'MANUAL INTERVENTION REQUIRED', short: 'manual' },
	cancelled: { mark: '⊘', label: 'cancelled', short: 'cancelled' },
};

export const generationWords: Record<GenerationStatus, { readonly mark: string; readonly label: string }> = {
	live: { mark: '✓', label: 'live' },
	staged: { mark: '◐', label: 'staged' },
	declined: { mark: '◌', label: 'declined' },
	failed: { mark: '✗', label: 'failed' },
	'rolled-back-from': { mark: '↩', label: 'rolled back from' },
	reverted: { mark: '↺', label: 'reverted by watchdog' },
	unknown: { mark: '·', label: 'no status' },
};

/** "✗ failed validation", "✓ live": mark and word, with the failure's kind when the host recorded one. */
export function generationStatusText(generation: Pick<GenerationInfo, 'status' | 'statusNote'>): string {
	const words = generationWords[generation.status];
	return `${words.mark} ${words.label}${generation.status === 'failed' && generation.statusNote ? ` ${generation.statusNote}` : ''}`;
}

export const describeDiff = (diff: DiffSummary): string => `+${diff.added} ~${diff.changed} -${diff.removed}, ${formatBytes(diff.bytes)}`;

/** "2 ok, 1 failed of 4": the short form for a status line. */
export function describeSummary(summary: RunSummary): string {
	const parts = [`${summary.passed} ok`];
	if (summary.failed > 0) parts.push(`${summary.failed} failed`);
	if (summary.rolledBack > 0) parts.push(`${summary.rolledBack} rolled back`);
	if (summary.staged > 0) parts.push(`${summary.staged} staged`);
	if (summary.cancelled > 0) parts.push(`${summary.cancelled} cancelled`);
	return `${parts.join(', ')} of ${summary.total}`;
}

/** The summary every run ends with, headless and after the console closes: counts, then one line per host. */
export function formatSummary(summary: RunSummary): string[] {
	const width = Math.max(4, ...Object.keys(summary.outcomes).map((host) => host.length));
	const where = (host: string) => (host in summary.current ? ` · ${summary.current[host] === null ? 'no generation' : `gen ${summary.current[host]}`}` : '');
	return [
		'',
		`Summary: ${summary.passed} passed, ${summary.failed} failed, ${summary.rolledBack} rolled back${summary.staged ? `, ${summary.staged} staged` : ''}${summary.cancelled ? `, ${summary.cancelled} cancelled` : ''}, ${summary.total} total`,
		...Object.entries(summary.outcomes).map(([host, outcome]) => {
			const words = outcomeWords[outcome];
			const reason = summary.reasons[host] && outcome !== 'ok' ? ` — ${summary.reasons[host]}` : '';
			return `  ${words.mark} ${host.padEnd(width)}  ${words.label}${reason}${where(host)}`;
		}),
		...Object.entries(summary.warnings ?? {}).flatMap(([host, lines]) => describeWarnings(lines).map((line) => `  ${warningMark} ${host.padEnd(width)}  ${line}`)),
	];
}

/** Marks a warning of a build or dry run, in the summary and the confirm (reads without colour). */
export const warningMark = '⚠';

/** A host's warnings as lines to show: at most `warningsShown`, then how many more. */
export function describeWarnings(lines: readonly string[]): string[] {
	return lines.length <= warningsShown ? [...lines] : [...lines.slice(0, warningsShown - 1), `… and ${lines.length - warningsShown + 1} more warnings`];
}
