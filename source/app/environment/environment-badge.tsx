import { Text } from 'ink';
import { tone } from '../theme.js';
import { consoleEnvironment } from './environment-choices.js';

export type ConsoleEnvironment = ReturnType<typeof consoleEnvironment>;

/** The badge as text, e.g. "▲ PRODUCTION production": also its width in the header. */
export function environmentBadgeText(environment: ConsoleEnvironment): string {
	if (!environment) return '';
	const name = 'name' in environment ? environment.name : 'all environments';
	return `${environment.production ? `▲ ${'name' in environment ? 'PRODUCTION' : 'INCLUDES PRODUCTION'} ` : ''}${name}`;
}

/** Columns the badge takes at the start of the header (0 without environments). */
export const environmentBadgeWidth = (environment: ConsoleEnvironment): number => (environment ? environmentBadgeText(environment).length + 5 : 0);

/**
 * The environment at the start of the header. A production one stands out: red and inverse,
 * and in words (▲ PRODUCTION) for a terminal without colour.
 */
export function EnvironmentBadge({ environment }: { readonly environment: ConsoleEnvironment }) {
	const text = environmentBadgeText(environment);
	if (!text) return null;
	return (
		<Text>
			<Text bold inverse={environment?.production === true} color={environment?.production ? tone('bad') : tone('accent')}>
				{` ${text} `}
			</Text>
			{' │ '}
		</Text>
	);
}
