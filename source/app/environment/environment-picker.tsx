import { Box, render, Text, useApp, useInput, useStdin } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { Config } from '../../config/types.js';
import { selectEnvironment } from '../../config/select-environment.js';
import { createKeyReader } from '../input/key-reader.js';
import { actionFor } from '../keymap.js';
import { PickList } from '../pick-list/pick-list.js';
import { movedHighlight, pickDirection } from '../pick-list/pick-list-state.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { environmentChoices, type EnvironmentChoice } from './environment-choices.js';

interface PickerProps {
	readonly config: Config;
	readonly onDone: (choice: EnvironmentChoice | null) => void;
}

/**
 * Which environment the console opens on (tako's `--env`), asked when the config has
 * environments and the command line named none. Its keys are the phase picker's: ↑↓ move, enter
 * chooses, esc or q leaves without opening anything.
 */
function EnvironmentPicker({ config, onDone }: PickerProps) {
	const choices = environmentChoices(config);
	const [index, setIndex] = useState(0);
	// Keys arrive between renders: the highlight they act on is the latest one, not the rendered one.
	const highlight = useRef(0);
	const { exit } = useApp();
	const { internal_eventEmitter: events } = useStdin();
	// Puts the terminal in raw mode and keeps stdin read; the keys themselves come split by the console's reader below.
	useInput(() => undefined);
	useEffect(() => {
		const reader = createKeyReader();
		const finish = (choice: EnvironmentChoice | null) => {
			onDone(choice);
			exit();
		};
		const onInput = (raw: string) => {
			for (const key of reader.read(raw)) {
				const action = actionFor('phases', key.name);
				if (action === 'pick-move') {
					highlight.current = movedHighlight(highlight.current, pickDirection(key.name), choices.length);
					setIndex(highlight.current);
				} else if (action === 'choose') finish(choices[highlight.current] ?? null);
				else if (action === 'close' || action === 'quit' || action === 'interrupt') finish(null);
			}
		};
		events.on('input', onInput);
		return () => {
			events.off('input', onInput);
		};
	}, [events, choices, exit, onDone]);
	const width = Math.max(20, (process.stdout.columns ?? 80) - 4);
	const highlighted = choices[index];
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={highlighted?.production ? tone('bad') : tone('accent')} paddingX={1}>
			<Text bold>{truncate(`Switchyard ${config.app.name}: which environment?`, width)}</Text>
			<PickList items={choices.map((choice) => ({ key: choice.name ?? '*', label: choice.label, strong: choice.production }))} index={index} rows={choices.length} width={width} />
			<Text dimColor>{truncate('↑↓ move · enter opens the console on it · esc leaves', width)}</Text>
		</Box>
	);
}

/**
 * Asks which environment to open, before the console starts: the config narrowed to it (all
 * hosts for "all environments"), or null when the operator left without choosing.
 */
export async function pickEnvironment(config: Config, streams: { stdin?: NodeJS.ReadStream; stdout?: NodeJS.WriteStream } = {}): Promise<Config | null> {
	let chosen: EnvironmentChoice | null = null;
	const instance = render(<EnvironmentPicker config={config} onDone={(choice) => (chosen = choice)} />, { stdin: streams.stdin ?? process.stdin, stdout: streams.stdout ?? process.stdout, exitOnCtrlC: false, patchConsole: false });
	await instance.waitUntilExit();
	instance.clear();
	const choice = chosen as EnvironmentChoice | null;
	if (choice === null) return null;
	return choice.name === undefined ? config : selectEnvironment(config, choice.name);
}
