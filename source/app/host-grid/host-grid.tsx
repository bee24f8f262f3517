import { Box, Text } from 'ink';
import { useConsoleState } from '../console-context.js';
import { tileHeight, type ConsoleLayout } from '../console-layout.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import type { HostsScroll } from '../host-table/use-host-table-state.js';
import { HostTile } from './host-tile.js';
import { useHostGridState } from './use-host-grid-state.js';

/** The tiles that fit, scrolled so the focused host is always on screen; a line says how many are not. */
export function HostGrid({ layout, ordered, scroll }: { readonly layout: ConsoleLayout; readonly ordered: readonly string[]; readonly scroll: HostsScroll }) {
	const focus = useConsoleState((state) => state.focus);
	const window = useHostGridState(ordered, focus, layout.tileColumns, layout.gridRows, scroll);
	const above = window.top * layout.tileColumns;
	const below = Math.max(0, ordered.length - (window.top + window.rows.length) * layout.tileColumns);
	const more = [above > 0 ? `${above} more ↑` : '', below > 0 ? `${below} more ↓` : ''].filter(Boolean).join(' · ');
	return (
		<Box height={layout.hostsHeight} flexDirection="column" overflowY="hidden">
			<Box height={Math.min(layout.hostsHeight, layout.gridRows * tileHeight)} flexDirection="column" overflowY="hidden">
				{window.rows.map((row) => (
					<Box key={row[0]} flexDirection="row">
						{row.map((name) => (
							<HostTile key={name} name={name} width={layout.tileWidth} />
						))}
					</Box>
				))}
			</Box>
			{more ? (
				<Text color={tone('accent')} wrap="truncate">
					{truncate(`  ${more}  (T: host table)`, layout.width)}
				</Text>
			) : null}
		</Box>
	);
}
