import { hostEndings } from '../../engine/events.js';
import { endingRules } from '../../engine/outcome/endings.js';
import { marks } from '../../engine/outcome/marks.js';
import { generationWords, statusMarks } from '../../engine/outcome/words.js';
import { phaseLetters, spinnerFrames, symbols } from '../theme.js';

/**
 * What every mark on screen means, for the help overlay: read from the same tables the screen
 * draws from (words.ts for run states, theme.ts for the console's own), never spelled twice.
 */
export interface LegendSection {
	readonly title: string;
	readonly rows: readonly { readonly mark: string; readonly meaning: string }[];
}

export function legendSections(): LegendSection[] {
	return [
		{
			title: 'hosts',
			rows: [
				{ mark: symbols.focus, meaning: 'focused host' },
				{ mark: `${symbols.selected} ${symbols.unselected}`, meaning: 'selected / not selected' },
				{ mark: `3${symbols.arrow}4`, meaning: 'current → staged or target generation' },
				{ mark: `3 ${marks.staged}4`, meaning: 'generation 4 staged earlier, waiting for a switch' },
				{ mark: symbols.locked, meaning: 'deploy lock held (who, since when)' },
				{ mark: symbols.none, meaning: 'no generation yet (nothing deployed)' },
				{ mark: '?', meaning: 'generation not known yet (host not heard from)' },
				{ mark: spinnerFrames[0], meaning: 'running: a phase of its own under way (clock runs)' },
				{ mark: marks.staged, meaning: 'staged, waiting for the switch question (dim)' },
				{ mark: statusMarks.pending, meaning: 'queued: waiting for a slot (jobs) or the build' },
				{ mark: symbols.service, meaning: 'service logs tailing into its pane' },
			],
		},
		{
			title: 'outcome of the latest run',
			rows: hostEndings.map((ending) => ({ mark: endingRules[ending].mark, meaning: endingRules[ending].label })),
		},
		{
			title: `phases (${Object.entries(phaseLetters)
				.map(([phase, letter]) => `${letter} ${phase}`)
				.join(', ')})`,
			rows: [
				{ mark: statusMarks.pending, meaning: 'pending' },
				{ mark: spinnerFrames[0], meaning: 'running' },
				{ mark: statusMarks.ok, meaning: 'ok' },
				{ mark: statusMarks.failed, meaning: 'failed' },
				{ mark: statusMarks.skipped, meaning: 'skipped (not reached, not asked for, or cancelled)' },
			],
		},
		{
			title: 'generations',
			rows: [{ mark: symbols.current, meaning: 'current' }, ...Object.values(generationWords).map((words) => ({ mark: words.mark, meaning: words.label }))],
		},
		{
			title: 'log lines',
			rows: [
				{ mark: symbols.match, meaning: 'search match (the match itself is highlighted)' },
				{ mark: symbols.stderr, meaning: 'standard error' },
				{ mark: symbols.service, meaning: 'service log line' },
			],
		},
	];
}
