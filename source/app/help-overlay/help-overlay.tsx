import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { scrollReducer } from '../pick-list/scroll-state.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { useSyncReducer } from '../use-sync-reducer.js';
import { useHelpOverlay } from './use-help-overlay.js';
import { helpColumns, helpLines, legendLines, maxHelpOffset } from './use-help-overlay-state.js';

/** `?`: every binding of the keymap, grouped by where it applies, then what every mark means. Generated, never hand-written. */
export function HelpOverlay({ height, width }: { readonly height: number; readonly width: number }) {
	const lines = useMemo(() => [...helpLines(), ...legendLines()], []);
	const rows = Math.max(1, height - 1);
	const maxOffset = maxHelpOffset(lines.length, width, rows);
	const [offset, dispatch] = useSyncReducer(scrollReducer, 0);
	useHelpOverlay(Math.max(1, rows - 1), (by) => dispatch({ by, max: maxOffset }));
	const columns = helpColumns(lines, width, rows, Math.min(offset, maxOffset));
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Keys and marks ${maxOffset > 0 ? `(↑↓ PgUp PgDn scroll, ${Math.min(offset, maxOffset)}/${maxOffset}) ` : ''}· esc or ? closes`, width)}
			</Text>
			<Box flexDirection="row">
				{columns.map((column, index) => (
					<Box key={index} flexDirection="column">
						{column.map((line, row) => (
							<Text key={row} wrap="truncate">
								{line}
							</Text>
						))}
					</Box>
				))}
			</Box>
		</Box>
	);
}
