import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useMemo } from 'react';
import type { Plan } from '../../store/console-store.js';
import { hintsFor } from '../keymap.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { phaseOptions } from './phase-options.js';
import { usePhasePicker } from './use-phase-picker.js';

export interface PhasePickerProps {
	readonly plan: Plan;
	readonly height: number;
	readonly width: number;
	readonly active: boolean;
	readonly onChoose: (plan: Plan) => void;
	readonly onClose: () => void;
	readonly onInterrupt: () => void;
}

export function PhasePicker({ plan, height, width, active, onChoose, onClose, onInterrupt }: PhasePickerProps) {
	const options = useMemo(() => phaseOptions().map((option) => ({ ...option, label: truncate(option.label, width - 4) })), [width]);
	usePhasePicker(active, onClose, onInterrupt);
	const initialIndex = Math.max(0, options.findIndex((option) => option.value.name === plan.name));
	return (
		<Box flexDirection="column" height={height} width={width} overflow="hidden">
			<Text bold color={tone('accent')}>
				Phases to run (now: {plan.name})
			</Text>
			<SelectInput items={options} initialIndex={initialIndex} isFocused={active} limit={Math.max(1, height - 2)} onSelect={(item) => onChoose(item.value)} />
			<Text dimColor wrap="truncate">
				{truncate(hintsFor('phases'), width)}
			</Text>
		</Box>
	);
}
