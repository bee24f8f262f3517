import { Box, Text } from 'ink';
import { memo } from 'react';
import { isHostBusy } from '../../store/host-view.js';
import { useConsoleState } from '../console-context.js';
import { TileText } from '../host-grid/host-tile.js';
import { useSpinnerTick } from '../spinner/spinner-clock.js';
import { padEnd, truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { headingText, rowSegments, type TableColumns, type TableWindow } from './use-host-table-state.js';

export interface HostTableProps {
	/** The lines on screen: the hosts pane keeps the focused host among them. */
	readonly window: TableWindow;
	readonly columns: TableColumns;
	readonly width: number;
	/** Rows including the column titles. */
	readonly height: number;
}

/**
 * One row per host, for fleets the tiles can't show at once: the window follows the focused
 * host (by name, so it stays on it while rows change places), and says how many are above and
 * below. Each row subscribes to its own host only.
 */
export function HostTable({ window, columns, width, height }: HostTableProps) {
	const above = window.above > 0 ? `${window.above} more ↑` : '';
	return (
		<Box height={height} flexDirection="column" overflowY="hidden">
			<Text dimColor wrap="truncate">
				{truncate(`${padEnd(headingText(columns), Math.max(0, width - above.length - 1))} ${above}`, width)}
			</Text>
			{window.shown.map((line) =>
				line.kind === 'host' ? <HostRow key={line.name} name={line.name} columns={columns} width={width} /> : <GroupHeading key={`group-${line.tag}`} tag={line.tag} width={width} />,
			)}
			{window.below > 0 ? (
				<Text color={tone('accent')} wrap="truncate">
					{truncate(`    ${window.below} more ↓  (PgDn, End)`, width)}
				</Text>
			) : null}
		</Box>
	);
}

const HostRow = memo(function HostRow({ name, columns, width }: { readonly name: string; readonly columns: TableColumns; readonly width: number }) {
	const { host, focused, selected } = useConsoleState((state) => ({ host: state.hosts[name], focused: state.focus === name, selected: state.selected.has(name) }));
	const tick = useSpinnerTick(host !== undefined && isHostBusy(host));
	if (!host) return null;
	return <TileText line={rowSegments({ host, focused, selected, columns, width, now: Date.now(), tick })} />;
});

function GroupHeading({ tag, width }: { readonly tag: string; readonly width: number }) {
	const title = tag === '' ? '── (no tag) ' : `── @${tag} `;
	return (
		<Text bold color={tone('accent')} wrap="truncate">
			{truncate(`${title}${'─'.repeat(width)}`, width)}
		</Text>
	);
}
