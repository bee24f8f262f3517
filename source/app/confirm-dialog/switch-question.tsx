import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { StagedHost } from '../../engine/events.js';
import { describeStagedChange, describeWavePlan, namesInBrief, stagedGroupLabel, switchQuestion } from '../../engine/outcome/words.js';
import { groupStaged, stagedReleases, type StagedGroup } from '../../engine/staged-groups.js';
import type { WavePlan } from '../../engine/waves.js';
import { useConsoleServices, useConsoleState } from '../console-context.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { PickList } from '../pick-list/pick-list.js';
import { moveReducer, pickDirection } from '../pick-list/pick-list-state.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { useConsoleActions } from '../use-console-actions.js';
import { useSyncReducer } from '../use-sync-reducer.js';
import { stagedWarnings } from './staged-warnings.js';

/** Rows the question needs to show every line: border, title, wave plan, left-out line, a line per group, question. */
export function switchQuestionRows(groups: number, leftOut: number): number {
	return groups + 5 + (leftOut > 0 ? 1 : 0);
}

/** "3 hosts    ∅ → 1   +3 ~1 -0, 2.0 KB   alpha, bravo, charlie": a group's line, its label padded to line up with the others. */
export function stagedGroupLine(group: StagedGroup, labelWidth: number): string {
	const names = group.hosts.length > 1 ? `   ${namesInBrief(group.hosts)}` : '';
	return ` ${stagedGroupLabel(group.hosts).padEnd(labelWidth)}  ${describeStagedChange(group.first)}${stagedWarnings(group.first)}${names}`;
}

/**
 * The one question before anything goes live: the release it switches to, the waves it goes in,
 * and the staged hosts grouped by their change (the biggest group first, outliers apart); ↑↓
 * highlight a group and `v` shows its first host's changed files and their diffs (read from the
 * host) before answering. Selected hosts a filter hid are named as left out. The default is No.
 */
export function SwitchQuestion({ staged, plan, height, width }: { readonly staged: readonly StagedHost[]; readonly plan?: WavePlan<string>; readonly height: number; readonly width: number }) {
	const { store, controller } = useConsoleServices();
	const perform = useConsoleActions();
	const leftOut = useConsoleState((state) => state.run.leftOut);
	const groups = useMemo(() => groupStaged(staged), [staged]);
	const [index, dispatch, current] = useSyncReducer(moveReducer, Math.max(0, groups.findIndex((group) => group.hosts.includes(store.getState().focus ?? ''))));
	useKeys('switch', (key) => {
		const action = actionFor('switch', key.name);
		if (action === 'yes') controller.answerConfirm(true);
		else if (action === 'no') controller.answerConfirm(false);
		else if (action === 'pick-move') dispatch({ by: pickDirection(key.name), count: groups.length });
		else if (action === 'view-changes') {
			const host = groups[current()]?.first.host;
			if (host !== undefined) store.getState().openModal({ kind: 'changes', host });
		} else if (action) perform(action);
	});
	const inner = Math.max(10, width - 4);
	const labelWidth = Math.min(20, Math.max(...groups.map((group) => stagedGroupLabel(group.hosts).length)));
	const leftOutLine = leftOut.length > 0 ? `${leftOut.length} selected host${leftOut.length === 1 ? '' : 's'} hidden by the filter left out: ${leftOut.slice(0, 5).join(', ')}${leftOut.length > 5 ? ', …' : ''}` : null;
	const rows = Math.max(1, height - 5 - (leftOutLine ? 1 : 0));
	const highlighted = groups[index];
	return (
		<Box flexDirection="column" borderStyle="double" borderColor={tone('warn')} width={width} height={Math.min(height, switchQuestionRows(Math.min(rows, groups.length), leftOut.length))} paddingX={1} overflowY="hidden">
			<Text bold wrap="truncate">
				{truncate(switchQuestion(staged.length, stagedReleases(staged)), inner)}
			</Text>
			<Text wrap="truncate">{truncate(plan ? describeWavePlan(plan) : '', inner)}</Text>
			{leftOutLine ? (
				<Text color={tone('warn')} wrap="truncate">
					{truncate(leftOutLine, inner)}
				</Text>
			) : null}
			<PickList items={groups.map((group) => ({ key: group.first.host, label: stagedGroupLine(group, labelWidth) }))} index={index} rows={rows} width={inner} />
			<Text bold color={tone('warn')} wrap="truncate">
				{truncate(`Switch now? [y/N]   v: ${highlighted?.first.host ?? 'its'} changes${groups.length > rows ? ` · ${groups.length - rows} more, ↑↓` : ''}`, inner)}
			</Text>
		</Box>
	);
}
