import { Box, Text } from 'ink';
import { describeDrift, outcomeWords } from '../../engine/outcome/words.js';
import { useConsoleState } from '../console-context.js';
import { hintsFor, type KeyContext } from '../keymap.js';
import { Spinner } from '../spinner/spinner.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { statusCounts } from './status-counts.js';
import { fleetDrift } from '../../store/fleet-drift.js';

/** Two rows: run counts and the latest notice; then the keys of the active context, as many as fit. */
export function StatusBar({ width, context }: { readonly width: number; readonly context: KeyContext }) {
	// Flat fields: the shallow comparison sees through one level only.
	const { runState, kind, notice, drift, recalled, ...counts } = useConsoleState((state) => {
		const fleet = fleetDrift(state.order, state.generations);
		return { ...statusCounts(state), runState: state.run.state, kind: state.run.kind, notice: state.notice, drift: fleet ? describeDrift(fleet) : '', recalled: state.run.hosts.length === 0 };
	});
	const active = runState === 'running' || runState === 'cancelling';
	// Zero counts are left out so the notice keeps room on an 80-column terminal; running always shows
	// while this console runs something. Before that, the counts are the run records' (each host's last run).
	const known = counts.ok + counts.failed + counts.rolledBack + counts.staged + counts.cancelled;
	const fromRecords = recalled && runState === 'idle' && known > 0;
	const countText = [
		fromRecords ? '' : `${counts.running} running`,
		counts.waiting > 0 ? `${counts.waiting} waiting` : '',
		counts.queued > 0 ? `${counts.queued} queued` : '',
		counts.ok > 0 ? `${outcomeWords.ok.mark} ${counts.ok} ok` : '',
		counts.failed > 0 ? `${outcomeWords.failed.mark} ${counts.failed} failed` : '',
		counts.rolledBack > 0 ? `${outcomeWords['rolled-back'].mark} ${counts.rolledBack} rolled back` : '',
		counts.staged > 0 ? `${outcomeWords.staged.mark} ${counts.staged} staged` : '',
		counts.cancelled > 0 ? `${outcomeWords.cancelled.mark} ${counts.cancelled} cancelled` : '',
	]
		.filter(Boolean)
		.join(' · ');
	const state = runState === 'idle' ? 'idle' : `${kind ?? 'run'} ${runState}`;
	const first = [state, fromRecords ? `last recorded: ${countText}` : countText, drift, notice].filter(Boolean).join(' │ ');
	return (
		<Box flexDirection="column" width={width} height={2}>
			<Text wrap="truncate">
				{active ? <Spinner color={tone('running')} /> : <Text> </Text>}
				<Text color={counts.failed > 0 ? tone('bad') : undefined}> {truncate(first, width - 2)}</Text>
			</Text>
			<Text dimColor wrap="truncate">
				{hintsFor(context, width)}
			</Text>
		</Box>
	);
}
