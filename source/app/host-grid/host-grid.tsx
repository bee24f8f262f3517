import { Box, Text } from 'ink';
import { useConsoleState } from '../console-context.js';
import type { ConsoleLayout } from '../console-layout.js';
import type { KeyContext } from '../keymap.js';
import { HostTile } from './host-tile.js';
import { useHostGrid } from './use-host-grid.js';
import { useHostGridState } from './use-host-grid-state.js';

/** The tiles that fit, scrolled so the focused host is always on screen. */
export function HostGrid({ layout, context }: { readonly layout: ConsoleLayout; readonly context: KeyContext }) {
	const { visible, focus } = useConsoleState((state) => ({ visible: state.visible, focus: state.focus }));
	useHostGrid(context, layout.tileColumns);
	const window = useHostGridState(visible, focus, layout.tileColumns, layout.gridRows);
	if (visible.length === 0) {
		return (
			<Box height={layout.gridHeight}>
				<Text>no host matches the filter (esc clears it)</Text>
			</Box>
		);
	}
	return (
		<Box height={layout.gridHeight} flexDirection="column" overflow="hidden">
			{window.rows.map((row) => (
				<Box key={row[0]} flexDirection="row">
					{row.map((name) => (
						<HostTile key={name} name={name} width={layout.tileWidth} />
					))}
				</Box>
			))}
		</Box>
	);
}
