import type { DiffSummary, EngineEvent, GenerationInfo, GenerationStatus, HostEnding, PhaseStatus, RunKind, RunSummary, StagedHost } from '../events.js';
import { formatBytes } from '../format-bytes.js';
import { warningsShown } from '../warnings.js';
import type { CanaryChoice } from '../../config/types.js';
import type { WavePlan } from '../waves.js';
import { endingOf, endingRules } from './endings.js';
import { marks } from './marks.js';
import { hostEnds, sessionHosts, sessionTally, type HostEnd, type SessionRun } from './session.js';
import { hostCount, tallyLine } from './tally.js';

/*
 * Every word the operator reads about a run, in one place: the console's log, the headless
 * printer, the run record's host logs and every summary take their text from here and their
 * marks from marks.ts, so the same event reads the same wherever it is shown.
 */

export const statusMarks: Record<PhaseStatus, string> = { pending: marks.pending, running: marks.running, ok: marks.ok, failed: marks.failed, skipped: marks.skipped };

type StepState = Extract<EngineEvent, { type: 'step' }>['state'];

/** A strategy script's steps, marked as phases are. */
export const stepMarks: Record<StepState, string> = { pending: statusMarks.pending, running: statusMarks.running, success: statusMarks.ok, failure: statusMarks.failed };

/** After a phase's name when it runs on the way back (a failed validation's rollback). */
export const revertSuffix = (revert: boolean | undefined): string => (revert ? ' (rolling back)' : '');

/** No generation yet (nothing deployed), where a generation number would be. */
export const noGenerationMark = marks.noGeneration;

/** A generation by its number, ∅ for none. */
export const generationName = (id: number | null): string => (id === null ? noGenerationMark : String(id));

export const generationWords: Record<GenerationStatus, { readonly mark: string; readonly label: string }> = {
	live: { mark: marks.ok, label: 'live' },
	staged: { mark: marks.staged, label: 'staged' },
	declined: { mark: marks.declined, label: 'declined' },
	failed: { mark: marks.failed, label: 'failed' },
	'rolled-back-from': { mark: marks.operatorRollback, label: 'rolled back from' },
	reverted: { mark: marks.autoRollback, label: 'reverted by watchdog' },
	unknown: { mark: marks.pending, label: 'no status' },
};

/** "✗ failed validation", "✓ live": mark and word, with the failure's kind when the host recorded one. */
export function generationStatusText(generation: Pick<GenerationInfo, 'status' | 'statusNote'>): string {
	const words = generationWords[generation.status];
	return `${words.mark} ${words.label}${generation.status === 'failed' && generation.statusNote ? ` ${generation.statusNote}` : ''}`;
}

export const describeDiff = (diff: DiffSummary): string => `+${diff.added} ~${diff.changed} -${diff.removed}, ${formatBytes(diff.bytes)}`;

/** Marks a warning of a build or dry run, in the summary and the confirm (reads without colour). */
export const warningMark = marks.warning;

/** A host's warnings as lines to show: at most `warningsShown`, then how many more. */
export function describeWarnings(lines: readonly string[]): string[] {
	return lines.length <= warningsShown ? [...lines] : [...lines.slice(0, warningsShown - 1), `… and ${lines.length - warningsShown + 1} more warnings`];
}

/* Waves: how a switch goes through the fleet (the switch question, the headless confirm, the console's plan). */

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

/** The log line of a host of a later wave once the switch is confirmed: it waits, staged. */
export const waitsForItsWave = (wave: number): string => `${marks.staged} ${waitingForWave(wave)} (switch confirmed)`;

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

/** What a health check says as it goes: each pass, each failed attempt but the last, and a check command's output. */
export const healthWords = {
	passed: (what: string, attempt: number): string => `${marks.ok} health: ${what} (attempt ${attempt})`,
	/** A failed attempt; the last one is said without its number (the phase's failure follows). */
	failed: (reason: string, attempt?: { readonly attempt: number; readonly of: number }): string => `health: ${reason}${attempt ? ` (attempt ${attempt.attempt}/${attempt.of})` : ''}`,
	output: (line: string): string => `health ${marks.output} ${line}`,
};

/** Names when they fit in `room` characters, else the first few that fit with what `more` says about the rest. */
function someNames(names: readonly string[], room: number, more: (count: number) => string): string {
	const joined = names.join(', ');
	if (joined.length <= room) return joined;
	const reserve = more(names.length).length;
	let text = '';
	let count = 0;
	for (const name of names) {
		const next = count === 0 ? name : `${text}, ${name}`;
		if (next.length + reserve > room) break;
		text = next;
		count += 1;
	}
	return `${text}${more(names.length - count)}`;
}

/** " · gen 2", " · no generation": where a host's `current` is, as it said; nothing when it never said. */
const whereSuffix = (current: number | null | undefined): string => (current === undefined ? '' : ` · ${current === null ? 'no generation' : `gen ${current}`}`);

/** How a host ended in words: label, reason, where `current` is (the end of its log, its summary line, after its mark). */
function endWords(ending: HostEnding, reason: string | undefined, current: number | null | undefined): string {
	return `${endingRules[ending].label}${reason && ending !== 'ok' ? ` — ${reason}` : ''}${whereSuffix(current)}`;
}

/** Which host an event's lines are about: a host, null for the shared build, undefined for the run as a whole. */
export function eventHost(event: EngineEvent): string | null | undefined {
	switch (event.type) {
		case 'staged':
			return event.staged.host;
		case 'run-started':
		case 'run-finished':
		case 'wave':
		case 'confirm':
			return undefined;
		default:
			return event.host;
	}
}

/**
 * Each event as the lines an operator reads, without the host (`eventHost` says whose they are):
 * the console's log panes, the headless printer and the run record's host logs all show these.
 * `kind`: the run's, which tells how a host's end is counted.
 */
export function eventLines(event: EngineEvent, kind: RunKind | null, options: SummaryOptions = {}): string[] {
	switch (event.type) {
		case 'run-started': {
			const hosts = someNames(event.hosts, 60, () => `, … (${hostCount(event.hosts.length)})`);
			return [`── ${event.kind} ${event.release} → ${hosts}${event.phases.length ? ` (${event.phases.join(' → ')})` : ''}${event.retryOf ? ` · retrying run ${event.retryOf}` : ''} ──`];
		}
		case 'log':
			return [event.line];
		case 'artifact':
			return [`artifact: ${event.files} files, ${formatBytes(event.bytes)} (${event.digest.slice(0, 19)}…)`];
		case 'phase': {
			const revert = revertSuffix(event.revert);
			if (event.status === 'skipped') return [];
			if (event.status === 'running' || event.status === 'pending') return [`${statusMarks[event.status]} ${event.phase}${revert}`];
			return [`${statusMarks[event.status]} ${event.phase}${revert}${event.ms === undefined ? '' : ` (${(event.ms / 1000).toFixed(1)}s)`}${event.reason ? `: ${event.reason}` : ''}`];
		}
		case 'step':
			return [`${stepMarks[event.state]} ${event.name}${event.message ? ` — ${event.message}` : ''}`];
		case 'staged':
			return [`staged generation ${event.staged.to} (current: ${generationName(event.staged.from)}): ${describeDiff(event.staged.diff)}`];
		case 'wave':
			return [`wave ${event.index}/${event.total}${event.canary ? ' (canary)' : ''}: ${someNames(event.hosts, 60, () => `, … (${hostCount(event.hosts.length)})`)}`];
		case 'confirm':
			// Declined is no failure: the hosts stay staged.
			return [event.answer ? `${marks.ok} switching ${hostCount(event.hosts.length)}${event.plan ? `: ${describeWavePlan(event.plan)}` : ''}` : `${marks.staged} not switching: ${event.why ?? 'confirmation declined'}; staged, not switched`];
		case 'switched':
			return [`${marks.switched} switched ${generationName(event.from)} → ${event.to} (${event.reason})`];
		case 'host-done':
			return [`${endingRules[endingOf(kind, event.outcome)].mark} ${endWords(endingOf(kind, event.outcome), event.reason, event.current)}`];
		case 'generations':
		case 'host-facts':
			// Read by the tables that show them (check, generations); the lock's own log line says it in a run.
			return [];
		case 'run-finished':
			return formatSummary(event.summary, options);
	}
}

/**
 * `eventLines` for a stream of runs: remembers each run's kind from its run-started, for the
 * printer, the recorder and the console, which each see one run after another.
 */
export function eventWording(options: SummaryOptions = {}): (event: EngineEvent) => string[] {
	let kind: RunKind | null = null;
	return (event) => {
		if (event.type === 'run-started') kind = event.kind;
		return eventLines(event, kind, options);
	};
}

export interface SummaryOptions {
	/** Every host on a line of its own, the ones that ended well too. */
	readonly verbose?: boolean;
}

/**
 * Hosts as summaries show them, readable at a thousand: problems first, one line each (manual
 * intervention, failed, rolled back, staged), then one counted line per other ending (`✓ 997 ok:
 * …`), unless `verbose` lists every host.
 */
export function hostEndLines(hosts: readonly HostEnd[], options: SummaryOptions = {}): string[] {
	const byRank = [...hosts].sort((a, b) => endingRules[a.ending].rank - endingRules[b.ending].rank);
	const listed = byRank.filter((host) => options.verbose || endingRules[host.ending].listed);
	const width = Math.max(4, ...listed.map((host) => host.name.length));
	const lines = listed.map((host) => `  ${endingRules[host.ending].mark} ${host.name.padEnd(width)}  ${endWords(host.ending, host.reason, host.current)}`);
	if (options.verbose) return lines;
	const collapsed = new Map<HostEnding, string[]>();
	for (const host of byRank) if (!endingRules[host.ending].listed) collapsed.set(host.ending, [...(collapsed.get(host.ending) ?? []), host.name]);
	for (const [ending, names] of collapsed) {
		const rule = endingRules[ending];
		const head = `  ${rule.mark} ${names.length} ${rule.counted}: `;
		lines.push(`${head}${someNames(names, 100 - head.length, (more) => ` and ${more} more (--verbose lists them)`)}`);
	}
	return lines;
}

/** "Summary: ‼ 3 manual intervention · ✓ 197 ok (200 hosts)". */
export const summaryHeadline = (summary: RunSummary): string => `Summary: ${tallyLine(summary.tally)} (${hostCount(summary.tally.total)})`;

/** The summary every run ends with, headless, in the run record and after the console closes: the tally, then the hosts. */
export function formatSummary(summary: RunSummary, options: SummaryOptions = {}): string[] {
	const width = Math.max(4, ...Object.keys(summary.warnings ?? {}).map((host) => host.length));
	return [
		'',
		summaryHeadline(summary),
		...hostEndLines(hostEnds(summary), options),
		...Object.entries(summary.warnings ?? {}).flatMap(([host, lines]) => describeWarnings(lines).map((line) => `  ${warningMark} ${host.padEnd(width)}  ${line}`)),
	];
}

/**
 * What the console prints when it closes: one run as a headless run ends; several as a table
 * (kind, release, tally, run id), then the hosts as the session left them, problems first.
 */
export function formatSession(runs: readonly SessionRun[], options: SummaryOptions = {}): string[] {
	if (runs.length === 1) return formatSummary(runs[0]!.summary, options);
	const kindWidth = Math.max(...runs.map((run) => run.kind.length));
	const releaseWidth = Math.max(...runs.map((run) => run.release.length));
	const tallies = runs.map((run) => `${tallyLine(run.summary.tally)} (${hostCount(run.summary.tally.total)})`);
	const tallyWidth = Math.max(...tallies.map((text) => text.length));
	const hosts = sessionHosts(runs);
	const hostsTally = sessionTally(runs)!;
	return [
		'',
		`Session: ${runs.length} runs`,
		...runs.map((run, index) => `  ${run.kind.padEnd(kindWidth)}  ${run.release.padEnd(releaseWidth)}  ${tallies[index]!.padEnd(tallyWidth)}  run ${run.runId}`),
		...(hosts.length > 0 ? [`Hosts, as the session left them: ${tallyLine(hostsTally)} (${hostCount(hostsTally.total)})`, ...hostEndLines(hosts, options)] : []),
	];
}
