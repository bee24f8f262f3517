import { Text } from 'ink';
import { spinnerFrames } from '../theme.js';
import { useSpinnerTick } from './spinner-clock.js';

export function Spinner({ color }: { readonly color?: string }) {
	const tick = useSpinnerTick(true);
	return <Text color={color}>{spinnerFrames[tick % spinnerFrames.length]}</Text>;
}
