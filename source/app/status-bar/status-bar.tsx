import { Box, Text } from 'ink';
import { tallyForms, type TallyForm } from '../../engine/outcome/tally.js';
import { describeDrift } from '../../engine/outcome/words.js';
import { fleetDrift } from '../../store/fleet-drift.js';
import { useConsoleState } from '../console-context.js';
import { hintsFor, type KeyContext } from '../keymap.js';
import { Spinner } from '../spinner/spinner.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { statusCounts } from './status-counts.js';

const separator = ' │ ';

/** Two rows: run counts and the latest notice; then the keys of the active context, as many as fit. */
export function StatusBar({ width, context }: { readonly width: number; readonly context: KeyContext }) {
	// Flat fields: the shallow comparison sees through one level only.
	const { runState, kind, notice, drift, recalled, running, waiting, queued, failed, long, short, marks } = useConsoleState((state) => {
		const counts = statusCounts(state);
		const fleet = fleetDrift(state.order, state.generations);
		return {
			runState: state.run.state,
			kind: state.run.kind,
			notice: state.notice,
			drift: fleet ? describeDrift(fleet) : '',
			recalled: state.run.hosts.length === 0,
			running: counts.running,
			waiting: counts.waiting,
			queued: counts.queued,
			failed: counts.failed,
			...counts.tally,
		};
	});
	const active = runState === 'running' || runState === 'cancelling';
	const state = runState === 'idle' ? 'idle' : `${kind ?? 'run'} ${runState}`;
	// Zero counts are left out so the notice keeps room on an 80-column terminal. Before this console
	// has run anything, the tally is the run records' (each host's last run), and says so.
	const fromRecords = recalled && runState === 'idle' && long !== '';
	const under = [running > 0 ? `${running} running` : '', waiting > 0 ? `${waiting} waiting` : '', queued > 0 ? `${queued} queued` : ''].filter(Boolean).join(' · ');
	const counts = (tally: string) => [under, fromRecords ? `last recorded: ${tally}` : tally].filter(Boolean).join(' · ');
	const line = (tally: string) => [state, counts(tally), drift, notice].filter(Boolean).join(separator);
	// The tally in words (long, else short) when the whole line fits; else short words before a
	// notice that is cut (the tally matters more); marks and counts only when even that is too wide.
	const forms: Record<TallyForm, string> = { long, short, marks };
	const fits = (text: string) => [...text].length <= width - 2;
	const worded = tallyForms.filter((form) => form !== 'marks');
	const fitting = worded.find((form) => fits(line(forms[form]))) ?? (fits([state, counts(short)].join(separator)) ? 'short' : 'marks');
	return (
		<Box flexDirection="column" width={width} height={2}>
			<Text wrap="truncate">
				{active ? <Spinner color={tone('running')} /> : <Text> </Text>}
				<Text color={failed ? tone('bad') : undefined}> {truncate(line(forms[fitting]), width - 2)}</Text>
			</Text>
			<Text dimColor wrap="truncate">
				{hintsFor(context, width)}
			</Text>
		</Box>
	);
}
