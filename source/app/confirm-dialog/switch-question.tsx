import { Box, Text } from 'ink';
import type { StagedHost } from '../../engine/events.js';
import { describeDiff } from '../../engine/outcome/words.js';
import { useConsoleServices, useConsoleState } from '../console-context.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { PickList } from '../pick-list/pick-list.js';
import { moveReducer, pickDirection } from '../pick-list/pick-list-state.js';
import { truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { useConsoleActions } from '../use-console-actions.js';
import { useSyncReducer } from '../use-sync-reducer.js';
import { stagedWarnings } from './staged-warnings.js';

/** Rows the question needs to show every staged host: border, title, left-out line, hosts, question. */
export function switchQuestionRows(staged: number, leftOut: number): number {
	return staged + 4 + (leftOut > 0 ? 1 : 0);
}

/** "alpha    1 → 2   +3 ~1 -0, 2.0 KB": a staged host's line, its name padded to line up with the others. */
export function stagedLine(staged: StagedHost, nameWidth: number): string {
	const name = staged.host.padEnd(nameWidth);
	return ` ${name}  ${staged.from ?? symbols.none} → ${staged.to}   ${describeDiff(staged.diff)}${stagedWarnings(staged)}`;
}

/**
 * The one question before anything goes live: every staged host with its generation step and
 * diff; ↑↓ highlight one and `v` shows its changed files and their diffs (read from the host)
 * before answering. Selected hosts a filter hid are named as left out. The default is No.
 */
export function SwitchQuestion({ staged, height, width }: { readonly staged: readonly StagedHost[]; readonly height: number; readonly width: number }) {
	const { store, controller } = useConsoleServices();
	const perform = useConsoleActions();
	const leftOut = useConsoleState((state) => state.run.leftOut);
	const [index, dispatch, current] = useSyncReducer(moveReducer, Math.max(0, staged.findIndex((each) => each.host === store.getState().focus)));
	useKeys('switch', (key) => {
		const action = actionFor('switch', key.name);
		if (action === 'yes') controller.answerConfirm(true);
		else if (action === 'no') controller.answerConfirm(false);
		else if (action === 'pick-move') dispatch({ by: pickDirection(key.name), count: staged.length });
		else if (action === 'view-changes') {
			const host = staged[current()]?.host;
			if (host !== undefined) store.getState().openModal({ kind: 'changes', host });
		} else if (action) perform(action);
	});
	const inner = Math.max(10, width - 4);
	const nameWidth = Math.min(20, Math.max(...staged.map((each) => each.host.length)));
	const leftOutLine = leftOut.length > 0 ? `${leftOut.length} selected host${leftOut.length === 1 ? '' : 's'} hidden by the filter left out: ${leftOut.slice(0, 5).join(', ')}${leftOut.length > 5 ? ', …' : ''}` : null;
	const rows = Math.max(1, height - 4 - (leftOutLine ? 1 : 0));
	return (
		<Box flexDirection="column" borderStyle="double" borderColor={tone('warn')} width={width} height={Math.min(height, switchQuestionRows(Math.min(rows, staged.length), leftOut.length))} paddingX={1} overflowY="hidden">
			<Text bold wrap="truncate">
				{truncate(`Switch ${staged.length} staged host${staged.length === 1 ? '' : 's'} to the new generation?`, inner)}
			</Text>
			{leftOutLine ? (
				<Text color={tone('warn')} wrap="truncate">
					{truncate(leftOutLine, inner)}
				</Text>
			) : null}
			<PickList items={staged.map((each) => ({ key: each.host, label: stagedLine(each, nameWidth) }))} index={index} rows={rows} width={inner} />
			<Text bold color={tone('warn')} wrap="truncate">
				{truncate(`Switch now? [y/N]   v: ${staged[index]?.host ?? 'its'} changes${staged.length > rows ? ` · ${staged.length - rows} more, ↑↓` : ''}`, inner)}
			</Text>
		</Box>
	);
}
