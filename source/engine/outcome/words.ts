import type { DiffSummary, EngineEvent, GenerationInfo, GenerationStatus, HostOutcome, PhaseStatus, RunSummary, StagedHost } from '../events.js';
import { formatBytes } from '../format-bytes.js';
import { warningsShown } from '../warnings.js';
import type { CanaryChoice } from '../../config/types.js';
import type { WavePlan } from '../waves.js';

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

/* Waves: how a switch goes through the fleet (the switch question, the headless confirm, the console's plan). */

const hostCount = (count: number): string => `${count} host${count === 1 ? '' : 's'}`;

/** "@canary", "delta, web-01", "1 host", "none": which hosts a canary choice takes. */
export function describeCanary(choice: CanaryChoice): string {
	if (typeof choice !== 'number') return choice.join(', ');
	return choice === 0 ? 'none' : `first ${hostCount(choice)}`;
}

/** "25%", "10 hosts", "all at once": how many switch at a time after the canary. */
export const describeBatch = (batch: number | string | undefined): string => (batch === undefined ? 'all at once' : typeof batch === 'number' ? `${hostCount(batch)} at a time` : `${batch} at a time`);

/** "2", "no limit": failures that stop further switching. */
export const describeMaxFailures = (maxFailures: number | undefined): string => (maxFailures === undefined ? 'no limit' : `stop after ${maxFailures}`);

/** Names of a few hosts ("delta", "a, b, c"), else how many. */
const namesOrCount = (hosts: readonly string[]): string => (hosts.length <= 3 ? hosts.join(', ') : hostCount(hosts.length));

/**
 * "wave 1 (canary): delta · wave 2: 3 hosts": the order a switch goes in. Batches of the same
 * size are said once ("waves 2–21: 10 hosts each"); a canary that names none of the hosts is said.
 */
export function describeWavePlan(plan: WavePlan<string>): string {
	const { waves } = plan;
	const unmatched = plan.unmatched ? ` (no canary: ${plan.unmatched.join(', ')} ${plan.unmatched.length === 1 ? 'is' : 'are'} none of these hosts)` : '';
	if (waves.length === 1 && !plan.canary) return `all ${hostCount(waves[0]!.length)} at once${unmatched}`;
	const parts: string[] = [];
	for (let index = 0; index < waves.length; ) {
		const wave = waves[index]!;
		if (index === 0 && plan.canary) {
			parts.push(`wave 1 (canary): ${namesOrCount(wave)}`);
			index += 1;
			continue;
		}
		let last = index;
		while (last + 1 < waves.length && waves[last + 1]!.length === wave.length) last += 1;
		parts.push(last === index ? `wave ${index + 1}: ${hostCount(wave.length)}` : `waves ${index + 1}–${last + 1}: ${hostCount(wave.length)} each`);
		index = last + 1;
	}
	return `${parts.join(' · ')}${unmatched}`;
}

/** On a host staged for a later wave, once the switch is confirmed. */
export const waitingForWave = (wave: number): string => `waiting for wave ${wave}`;

/* The switch question: what it switches, to which release, grouped by change. */

/** "alpha, bravo, charlie, +193 more": a few names of many. */
export function namesInBrief(names: readonly string[], shown = 3): string {
	return names.length <= shown + 1 ? names.join(', ') : `${names.slice(0, shown).join(', ')}, +${names.length - shown} more`;
}

/** "release 20261121-2340-abc1234", or "releases A (3 hosts), B (1 host)" when staged hosts carry different ones. */
export function describeReleases(releases: readonly { readonly release: string; readonly hosts: number }[]): string {
	if (releases.length === 1) return `release ${releases[0]!.release}`;
	return `releases ${releases.map((each) => `${each.release} (${hostCount(each.hosts)})`).join(', ')}`;
}

/** "Switch 4 staged hosts to release X?": the question itself. */
export const switchQuestion = (hosts: number, releases: readonly { readonly release: string; readonly hosts: number }[]): string =>
	`Switch ${hosts} staged host${hosts === 1 ? '' : 's'} to ${describeReleases(releases)}?`;

/** "196 hosts", or the host's name when it is alone: a staged group's label. */
export const stagedGroupLabel = (hosts: readonly string[]): string => (hosts.length === 1 ? hosts[0]! : hostCount(hosts.length));

/** "∅ → 1   +5 ~0 -0, 3.4 KB": the step and the diff every host of a staged group goes through. */
export const describeStagedChange = (staged: Pick<StagedHost, 'from' | 'to' | 'diff'>): string => `${staged.from ?? noGenerationMark} → ${staged.to}   ${describeDiff(staged.diff)}`;

/* What the console knows before it has run anything: the records, and the hosts' own read. */

/** "last deploy 20261121-2340-abc1234 (2026-11-21 23:41)": where a host's shown outcome comes from. */
export const recalledLine = (last: { readonly kind: string; readonly release: string; readonly at: string }): string => `last ${last.kind} ${last.release} (${last.at.replace('T', ' ').slice(0, 16)})`;

/** "12 hosts not on release X", "all 4 hosts on release X", and how many could not be read. */
export function describeDrift(drift: { readonly release: string; readonly behind: readonly string[]; readonly read: number; readonly unread: number }): string {
	const unread = drift.unread > 0 ? ` · ${hostCount(drift.unread)} not read` : '';
	if (drift.behind.length === 0) return `${drift.read === 1 ? 'the host' : `all ${drift.read} hosts`} on release ${drift.release}${unread}`;
	return `${hostCount(drift.behind.length)} not on release ${drift.release}${unread}`;
}
