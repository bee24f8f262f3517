import { Box, Text } from 'ink';
import { useState } from 'react';
import { useConsoleServices } from '../console-context.js';
import { useConsoleActions } from '../use-console-actions.js';
import { tone } from '../theme.js';
import { useHelpOverlay } from './use-help-overlay.js';
import { helpColumns, helpLines, maxHelpOffset } from './use-help-overlay-state.js';

/** `?`: every binding of the keymap, grouped by where it applies. Generated, never hand-written. */
export function HelpOverlay({ height, width, active }: { readonly height: number; readonly width: number; readonly active: boolean }) {
	const { store } = useConsoleServices();
	const perform = useConsoleActions();
	const lines = helpLines();
	const rows = Math.max(1, height - 1);
	const [offset, setOffset] = useState(0);
	const maxOffset = maxHelpOffset(lines.length, width, rows);
	useHelpOverlay(active, (by) => setOffset((value) => Math.max(0, Math.min(maxOffset, value + by))), perform, () => store.getState().closeModal());
	const columns = helpColumns(lines, width, rows, offset);
	return (
		<Box flexDirection="column" height={height} width={width} overflow="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				Keys {maxOffset > 0 ? `(↑↓ scroll ${offset}/${maxOffset})` : ''} · esc or ? closes
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
