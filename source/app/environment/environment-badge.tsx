import { Text } from 'ink';
import type { Config } from '../../config/types.js';
import { tone } from '../theme.js';
import { consoleEnvironment } from './environment-choices.js';

type ConsoleEnvironment = ReturnType<typeof consoleEnvironment>;

/*
 * One console per process, opened on one config: the CLI says which before the console starts
 * (`showEnvironment`), and the header reads it. Kept here rather than threaded through the
 * console's props, so the console needs no change to show it.
 */
let shown: ConsoleEnvironment;

/** Called once before the console opens: the environment of the hosts it shows. */
export function showEnvironment(config: Config): void {
	shown = consoleEnvironment(config);
}

/** The badge as text, e.g. "▲ PRODUCTION production": also its width in the header. */
export function environmentBadgeText(environment: ConsoleEnvironment = shown): string {
	if (!environment) return '';
	const name = 'name' in environment ? environment.name : 'all environments';
	return `${environment.production ? `▲ ${'name' in environment ? 'PRODUCTION' : 'INCLUDES PRODUCTION'} ` : ''}${name}`;
}

/** Columns the badge takes at the start of the header (0 without environments). */
export const environmentBadgeWidth = (): number => (shown ? environmentBadgeText().length + 5 : 0);

/**
 * The environment at the start of the header. A production one stands out: red and inverse,
 * and in words (▲ PRODUCTION) for a terminal without colour.
 */
export function EnvironmentBadge() {
	const text = environmentBadgeText();
	if (!text) return null;
	return (
		<Text>
			<Text bold inverse={shown?.production === true} color={shown?.production ? tone('bad') : tone('accent')}>
				{` ${text} `}
			</Text>
			{' │ '}
		</Text>
	);
}
