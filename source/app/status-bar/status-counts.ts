import { tallyForms, tallyLine, tallyOf, type TallyForm } from '../../engine/outcome/tally.js';
import { endingRules } from '../../engine/outcome/endings.js';
import type { HostEnding } from '../../engine/events.js';
import type { ConsoleData } from '../../store/console-store.js';
import { activityOf } from '../../store/host-view.js';

export interface StatusCounts {
	/** In the run, nothing of their own started yet (waiting for a slot or for the build). */
	readonly queued: number;
	/** A phase of their own under way: at most `jobs` of them. */
	readonly running: number;
	/** Started, nothing under way: staged and waiting for the switch question or their wave. */
	readonly waiting: number;
	/** The tally of the hosts that are done, in each form (the bar shows the longest that fits); '' before any is. */
	readonly tally: Readonly<Record<TallyForm, string>>;
	/** A host that is done failed (the line turns red). */
	readonly failed: boolean;
}

/**
 * Counts over the hosts of the latest run (hosts never run don't count): the ones under way by
 * what they are doing, the ones done by the outcome model's tally, as every other surface counts
 * them; before this console has run anything, over the hosts the run records tell of.
 */
export function statusCounts(state: Pick<ConsoleData, 'hosts' | 'run' | 'order'>): StatusCounts {
	let queued = 0;
	let running = 0;
	let waiting = 0;
	const done: HostEnding[] = [];
	const counted = state.run.hosts.length > 0 ? state.run.hosts : state.order.filter((name) => state.hosts[name]?.recalled);
	for (const name of counted) {
		const host = state.hosts[name];
		if (!host) continue;
		const activity = activityOf(host);
		if (activity === 'queued') queued += 1;
		else if (activity === 'running') running += 1;
		else if (activity === 'waiting') waiting += 1;
		else if (host.ending) done.push(host.ending);
	}
	const tally = tallyOf(done, { dryRun: state.run.dryRun, interrupted: state.run.summary?.tally.interrupted ?? false });
	const text = (form: TallyForm) => (done.length === 0 ? '' : tallyLine(tally, form));
	return {
		queued,
		running,
		waiting,
		tally: Object.fromEntries(tallyForms.map((form) => [form, text(form)])) as Record<TallyForm, string>,
		failed: done.some((ending) => endingRules[ending].failed),
	};
}
