import { Text } from 'ink';
import { sortNames } from '../store/host-order.js';
import { useConsoleState } from './console-context.js';
import { describePlan, describeSkips } from './phase-picker/phase-options.js';
import { describeWaves } from './phase-picker/wave-options.js';
import { truncate } from './text-fit.js';
import { tone } from './theme.js';
import { EnvironmentBadge, environmentBadgeWidth, type ConsoleEnvironment } from './environment/environment-badge.js';

/** App, plan, selection, filter (with its match count while typing) and where the focus is. */
export function Header({ app, environment, width }: { readonly app: string; readonly environment: ConsoleEnvironment; readonly width: number }) {
	const { plan, waves, skips, total, visible, selected, filter, filterDraft, focusIndex, sort, group } = useConsoleState((state) => ({
		plan: state.plan,
		waves: state.waves,
		skips: state.skips,
		total: state.order.length,
		visible: state.visible.length,
		selected: state.selected.size,
		filter: state.filter,
		filterDraft: state.filterDraft,
		focusIndex: state.focus === null ? -1 : state.ordered().indexOf(state.focus),
		sort: state.sort,
		group: state.group,
	}));
	if (filterDraft !== null) {
		return (
			<Text color={tone('accent')} wrap="truncate">
				{truncate(`/ ${filterDraft}▏  ${visible} of ${total} match · name, glob (web-*) or @tag · enter keeps · esc cancels`, width)}
			</Text>
		);
	}
	// Most useful first: the line is cut at the terminal's width.
	const parts = [
		`Switchyard ${app}`,
		`${selected} of ${total} selected`,
		filter ? `filter ${filter} (${visible} match)` : '',
		focusIndex >= 0 && visible > 1 ? `host ${focusIndex + 1}/${visible}` : '',
		sort !== 'config' ? `by ${sortNames[sort]}` : '',
		group > 0 ? `grouped by tag ${group}` : '',
		describeWaves(waves),
		describeSkips(skips),
		`plan ${describePlan(plan)}`,
	].filter(Boolean);
	return (
		<Text bold wrap="truncate">
			<EnvironmentBadge environment={environment} />
			{truncate(parts.join(' │ '), width - environmentBadgeWidth(environment))}
		</Text>
	);
}

