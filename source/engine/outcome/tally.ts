import { hostEndings, type HostEnding, type HostOutcome, type Phase, type RunKind, type Tally } from '../events.js';
import { endingOf, endingRules } from './endings.js';

/** A deploy that builds and looks but changes no host: preflight without upload or switch (`--dry-run`). */
export const isDryRun = (kind: RunKind | null | undefined, phases: readonly Phase[]): boolean =>
	kind === 'deploy' && phases.includes('preflight') && !phases.includes('upload') && !phases.includes('switch');

const noCounts = (): Record<HostEnding, number> => Object.fromEntries(hostEndings.map((ending) => [ending, 0])) as Record<HostEnding, number>;

/** Counts hosts by how they ended. */
export function tallyOf(endings: Iterable<HostEnding>, flags: { readonly dryRun?: boolean; readonly interrupted?: boolean } = {}): Tally {
	const counts = noCounts();
	let total = 0;
	for (const ending of endings) {
		counts[ending] += 1;
		total += 1;
	}
	return { total, counts, dryRun: flags.dryRun ?? false, interrupted: flags.interrupted ?? false };
}

/** A run's tally from its hosts' outcomes (a host without one failed). */
export function tallyOfRun(kind: RunKind | null | undefined, phases: readonly Phase[], outcomes: Iterable<HostOutcome | null | undefined>, interrupted = false): Tally {
	return tallyOf([...outcomes].map((outcome) => endingOf(kind, outcome ?? 'failed')), { dryRun: isDryRun(kind, phases), interrupted });
}

/**
 * long: "‼ 3 manual intervention · ✓ 197 ok"; short: "‼ 3 manual · ✓ 197 ok" (the status bar);
 * marks: "‼ 3 · ✓ 197" (a narrow terminal).
 */
export type TallyForm = 'long' | 'short' | 'marks';
export const tallyForms: readonly TallyForm[] = ['long', 'short', 'marks'];

/** The tally in one line: only the buckets with hosts, manual intervention first; a dry or cancelled run says so first. */
export function tallyLine(tally: Tally, form: TallyForm = 'long'): string {
	const words = (ending: HostEnding) => (form === 'long' ? ` ${endingRules[ending].counted}` : form === 'short' ? ` ${endingRules[ending].short}` : '');
	const parts = [
		...(tally.dryRun ? ['dry run'] : []),
		...(tally.interrupted ? [form === 'marks' ? 'cancelled' : 'run cancelled'] : []),
		...hostEndings.filter((ending) => tally.counts[ending] > 0).map((ending) => `${endingRules[ending].mark} ${tally.counts[ending]}${words(ending)}`),
	];
	return parts.length > 0 ? parts.join(' · ') : 'no hosts';
}

/** "(200 hosts)". */
export const hostCount = (count: number): string => `${count} host${count === 1 ? '' : 's'}`;

/**
 * A tally of records written before the tally was (their summary counted only passed/failed/…):
 * read again from the outcomes they kept.
 */
export function recordedTally(started: { readonly kind: RunKind; readonly phases: readonly Phase[] } | undefined, summary: { readonly tally?: Tally; readonly outcomes?: Readonly<Record<string, HostOutcome>>; readonly interrupted?: boolean }): Tally {
	return summary.tally ?? tallyOfRun(started?.kind, started?.phases ?? [], Object.values(summary.outcomes ?? {}), summary.interrupted === true);
}
