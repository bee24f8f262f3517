import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { useConsoleServices, useConsoleState } from '../console-context.js';
import type { Plan } from '../../store/ui-slice.js';
import { PickList } from '../pick-list/pick-list.js';
import { padEnd, truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { phaseOptions } from './phase-options.js';
import { usePhasePicker } from './use-phase-picker.js';
import { usePhasePickerState } from './use-phase-picker-state.js';
import { describeWaveValue, stepWave, waveLabel, waveNote, waveSettings, waveValues } from './wave-options.js';

export interface PhasePickerProps {
	readonly plan: Plan;
	readonly height: number;
	readonly width: number;
	readonly onChoose: (plan: Plan) => void;
}

/**
 * `p`: presets, then single phases (enter uses one), then the waves the next deploy switches in:
 * canary, batch and max failures (←/→ or enter change them at once). The current plan starts
 * highlighted; the waves start as hosts.toml and the command line set them.
 */
export function PhasePicker({ plan, height, width, onChoose }: PhasePickerProps) {
	const { store } = useConsoleServices();
	const waves = useConsoleState((state) => state.waves);
	const options = useMemo(() => phaseOptions(), []);
	// The values each wave row offers, fixed while the picker is open so ←/→ walk a stable list.
	const [values] = useState(() => {
		const { waves: now, order, hosts } = store.getState();
		const tags = [...new Set(order.flatMap((name) => hosts[name]?.tags ?? []))];
		return Object.fromEntries(waveSettings.map((setting) => [setting, waveValues(setting, now[setting] as never, tags)]));
	});
	const count = options.length + waveSettings.length;
	const [index, dispatch, current] = usePhasePickerState(Math.max(0, options.findIndex((option) => option.value.name === plan.name)));
	const waveAt = (at: number) => waveSettings[at - options.length];
	// From the store at the key, not the render: keys typed ahead step from what the one before set.
	const step = (by: 1 | -1) => {
		const setting = waveAt(current());
		if (setting === undefined) return false;
		store.getState().setWaves(stepWave(store.getState().waves, setting, by, values[setting] ?? []));
		return true;
	};
	usePhasePicker({
		move: (by) => dispatch({ type: 'move', by, count }),
		choose: () => {
			if (step(1)) return;
			const option = options[current()];
			if (option) onChoose(option.value);
		},
		change: step,
	});
	const labelWidth = 14;
	const valueWidth = Math.min(28, Math.max(...waveSettings.flatMap((setting) => (values[setting] ?? []).map((value) => describeWaveValue(setting, value as never).length))) + 4);
	const items = [
		...options.map((option) => ({ key: option.key, label: ` ${option.label}`, strong: option.value.name === plan.name })),
		...waveSettings.map((setting) => ({ key: `wave-${setting}`, label: ` ${padEnd(waveLabel(setting), labelWidth)} ${padEnd(`‹ ${describeWaveValue(setting, waves[setting] as never)} ›`, valueWidth)} ${waveNote(setting)}`, strong: true })),
	];
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Phases to run (now: ${plan.name}) · then the waves of the switch (←/→ change)`, width)}
			</Text>
			<PickList items={items} index={index} rows={Math.max(1, height - 1)} width={width} />
		</Box>
	);
}
