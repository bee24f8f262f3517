import { Box, Text } from 'ink';
import { tallyForms, type TallyForm } from '../../engine/outcome/tally.js';
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
	const { runState, kind, notice, running, waiting, queued, failed, long, short, marks } = useConsoleState((state) => {
		const counts = statusCounts(state);
		return { runState: state.run.state, kind: state.run.kind, notice: state.notice, running: counts.running, waiting: counts.waiting, queued: counts.queued, failed: counts.failed, ...counts.tally };
	});
	const active = runState === 'running' || runState === 'cancelling';
	const state = runState === 'idle' ? 'idle' : `${kind ?? 'run'} ${runState}`;
	// Zero counts are left out so the notice keeps room on an 80-column terminal.
	const under = [running > 0 ? `${running} running` : '', waiting > 0 ? `${waiting} waiting` : '', queued > 0 ? `${queued} queued` : ''].filter(Boolean).join(' · ');
	const line = (tally: string) => [state, [under, tally].filter(Boolean).join(' · '), notice].filter(Boolean).join(separator);
	// The tally in words (long, else short) when the whole line fits; else short words before a
	// notice that is cut (the tally matters more); marks and counts only when even that is too wide.
	const forms: Record<TallyForm, string> = { long, short, marks };
	const fits = (text: string) => [...text].length <= width - 2;
	const worded = tallyForms.filter((form) => form !== 'marks');
	const fitting = worded.find((form) => fits(line(forms[form]))) ?? (fits([state, [under, short].filter(Boolean).join(' · ')].join(separator)) ? 'short' : 'marks');
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
