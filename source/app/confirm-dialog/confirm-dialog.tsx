import { Box, Text } from 'ink';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { useConfirmDialog } from './use-confirm-dialog.js';

export interface ConfirmDialogProps {
	readonly title: string;
	readonly lines: readonly string[];
	readonly question: string;
	readonly height: number;
	readonly width: number;
	/** The key target this dialog answers (see key-context.ts). */
	readonly keyTarget: string;
	readonly onAnswer: (yes: boolean) => void;
	readonly onInterrupt: () => void;
}

/** A yes/no question whose default is No, with the details it is about above it. */
export function ConfirmDialog({ title, lines, question, height, width, keyTarget, onAnswer, onInterrupt }: ConfirmDialogProps) {
	useConfirmDialog(keyTarget, onAnswer, onInterrupt);
	const inner = Math.max(10, width - 4);
	// Border, title and question take four rows; the keys are in the status bar.
	const room = Math.max(1, height - 4);
	const shown = lines.length > room ? [...lines.slice(0, room - 1), `… and ${lines.length - room + 1} more`] : lines;
	return (
		<Box flexDirection="column" borderStyle="double" borderColor={tone('warn')} width={width} height={Math.min(height, shown.length + 4)} paddingX={1} overflowY="hidden">
			<Text bold wrap="truncate">
				{truncate(title, inner)}
			</Text>
			{shown.map((line, index) => (
				<Text key={index} wrap="truncate">
					{truncate(line, inner)}
				</Text>
			))}
			<Text bold color={tone('warn')} wrap="truncate">
				{truncate(`${question} [y/N]`, inner)}
			</Text>
		</Box>
	);
}
