import { Box, Text } from 'ink';
import type { FileChange } from '../../engine/events.js';
import { formatBytes } from '../../engine/format-bytes.js';
import { describeDiff, warningMark } from '../../engine/outcome/words.js';
import { useConsoleServices, useConsoleState } from '../console-context.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { PickList } from '../pick-list/pick-list.js';
import { moveReducer, pickDirection } from '../pick-list/pick-list-state.js';
import { padEnd, truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { useConsoleActions } from '../use-console-actions.js';
import { useSyncReducer } from '../use-sync-reducer.js';

const changeMarks: Record<FileChange['change'], string> = { added: '+', changed: '~', removed: '-' };

/** "~ version.txt      24 B": a changed file's line. */
export function changeLine(change: FileChange, pathWidth: number): string {
	return `${changeMarks[change.change]} ${padEnd(change.path, pathWidth)}  ${change.change === 'removed' ? 'removed' : change.bytes === undefined ? '' : formatBytes(change.bytes)}`;
}

/** From the switch question: one staged host's added, changed and removed files; enter shows a file's diff. */
export function ChangeList({ host, height, width }: { readonly host: string; readonly height: number; readonly width: number }) {
	const { store, controller } = useConsoleServices();
	const perform = useConsoleActions();
	const staged = useConsoleState((state) => state.modals.flatMap((modal) => (modal.kind === 'confirm-switch' ? modal.staged : [])).find((each) => each.host === host));
	const changes = controller.changesOf(host);
	const [index, dispatch, current] = useSyncReducer(moveReducer, 0);
	useKeys(`changes:${host}`, (key) => {
		const action = actionFor('changes', key.name);
		if (action === 'pick-move') dispatch({ by: pickDirection(key.name), count: changes.length });
		else if (action === 'open-diff') {
			const change = changes[current()];
			if (change) store.getState().openModal({ kind: 'diff', host, path: change.path });
		} else if (action) perform(action);
	});
	const pathWidth = Math.min(Math.max(0, width - 16), Math.max(4, ...changes.map((change) => [...change.path].length)));
	const step = staged ? ` · generation ${staged.from ?? symbols.none} → ${staged.to} · ${describeDiff(staged.diff)}` : '';
	// Every warning of the host's build and dry run, above its files: the question's line has room for one.
	const warnings = (staged?.warnings ?? []).slice(0, Math.max(0, Math.floor((height - 2) / 2)));
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Changes on ${host}${step} · enter: diff · esc: back to the question`, width)}
			</Text>
			{warnings.map((warning, at) => (
				<Text key={`warning-${at}`} color={tone('warn')} wrap="truncate">
					{truncate(`${warningMark} ${warning}`, width)}
				</Text>
			))}
			{changes.length === 0 ? (
				<Text wrap="truncate">{truncate(`no file list for ${host}: its strategy stages without one`, width)}</Text>
			) : (
				<PickList items={changes.map((change) => ({ key: change.path, label: changeLine(change, pathWidth), muted: change.change === 'removed' }))} index={index} rows={Math.max(1, height - 1 - warnings.length)} width={width} />
			)}
		</Box>
	);
}
