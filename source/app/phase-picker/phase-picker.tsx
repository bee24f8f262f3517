import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { Plan } from '../../store/console-store.js';
import { truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { phaseOptions } from './phase-options.js';
import { usePhasePicker } from './use-phase-picker.js';
import { usePhasePickerState } from './use-phase-picker-state.js';

export interface PhasePickerProps {
	readonly plan: Plan;
	readonly height: number;
	readonly width: number;
	readonly active: boolean;
	readonly onChoose: (plan: Plan) => void;
	readonly onClose: () => void;
	readonly onInterrupt: () => void;
}

/** `p`: presets, then single phases; the current plan starts highlighted. */
export function PhasePicker({ plan, height, width, active, onChoose, onClose, onInterrupt }: PhasePickerProps) {
	const options = useMemo(() => phaseOptions(), []);
	const [index, dispatch, current] = usePhasePickerState(Math.max(0, options.findIndex((option) => option.value.name === plan.name)));
	usePhasePicker(active, {
		move: (by) => dispatch({ type: 'move', by, count: options.length }),
		choose: () => {
			const option = options[current()];
			if (option) onChoose(option.value);
		},
		close: onClose,
		interrupt: onInterrupt,
	});
	const rows = Math.max(1, height - 1);
	const first = Math.max(0, Math.min(index - rows + 1, options.length - rows));
	return (
		<Box flexDirection="column" height={height} width={width} overflow="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Phases to run (now: ${plan.name})`, width)}
			</Text>
			{options.slice(first, first + rows).map((option, offset) => {
				const highlighted = first + offset === index;
				return (
					<Text key={option.key} color={highlighted ? tone('accent') : undefined} bold={highlighted} wrap="truncate">
						{truncate(`${highlighted ? symbols.focus : ' '} ${option.label}`, width)}
					</Text>
				);
			})}
		</Box>
	);
}
