import { Box, Text } from 'ink';
import { tileHeight, type ConsoleLayout } from '../console-layout.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { HostTile } from './host-tile.js';
import type { GridWindow } from './use-host-grid-state.js';

/** The tiles of `window` (the hosts pane keeps the focused host in it); a line says how many are not on screen. */
export function HostGrid({ layout, ordered, window }: { readonly layout: ConsoleLayout; readonly ordered: readonly string[]; readonly window: GridWindow }) {
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
