import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { Plan } from '../../store/ui-slice.js';
import { PickList } from '../pick-list/pick-list.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { phaseOptions } from './phase-options.js';
import { usePhasePicker } from './use-phase-picker.js';
import { usePhasePickerState } from './use-phase-picker-state.js';

export interface PhasePickerProps {
	readonly plan: Plan;
	readonly height: number;
	readonly width: number;
	readonly onChoose: (plan: Plan) => void;
}

/** `p`: presets, then single phases; the current plan starts highlighted. */
export function PhasePicker({ plan, height, width, onChoose }: PhasePickerProps) {
	const options = useMemo(() => phaseOptions(), []);
	const [index, dispatch, current] = usePhasePickerState(Math.max(0, options.findIndex((option) => option.value.name === plan.name)));
	usePhasePicker({
		move: (by) => dispatch({ type: 'move', by, count: options.length }),
		choose: () => {
			const option = options[current()];
			if (option) onChoose(option.value);
		},
	});
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Phases to run (now: ${plan.name})`, width)}
			</Text>
			<PickList items={options.map((option) => ({ key: option.key, label: ` ${option.label}`, strong: option.value.name === plan.name }))} index={index} rows={Math.max(1, height - 1)} width={width} />
		</Box>
	);
}
