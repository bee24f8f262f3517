import type { HostOutcome, Phase, PhaseStatus } from '../engine/events.js';
import { noGenerationMark, outcomeWords } from '../engine/outcome/words.js';

/**
 * Colours and symbols in one place. Every state has a symbol, so the console still reads with
 * NO_COLOR (https://no-color.org: set and non-empty disables colour); colours only reinforce.
 */
export const colourEnabled = (process.env['NO_COLOR'] ?? '') === '';

type Tone = 'accent' | 'ok' | 'bad' | 'warn' | 'muted' | 'running' | 'service';

const tones: Record<Tone, string> = {
	accent: 'cyan',
	ok: 'green',
	bad: 'red',
	warn: 'yellow',
	muted: 'gray',
	running: 'blue',
	service: 'magenta',
};

/** A colour for Ink's `color`/`borderColor` props, or undefined when colour is off. */
export function tone(name: Tone): string | undefined {
	return colourEnabled ? tones[name] : undefined;
}

export const symbols = {
	focus: '▸',
	selected: '◉',
	unselected: '○',
	arrow: '→',
	ellipsis: '…',
	stderr: '!',
	service: '≡',
	match: '»',
	/** No generation yet (nothing deployed). */
	none: noGenerationMark,
	/** The generation `current` points to, in the generation list. */
	current: '●',
	/** Someone holds the host's deploy lock. */
	locked: '⊠',
} as const;

export const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

export const phaseLetters: Record<Phase, string> = {
	build: 'b',
	preflight: 'p',
	upload: 'u',
	switch: 's',
	validate: 'v',
	cleanup: 'c',
};

export function statusTone(status: PhaseStatus): string | undefined {
	if (status === 'ok') return tone('ok');
	if (status === 'failed') return tone('bad');
	if (status === 'running') return tone('running');
	return tone('muted');
}

export const outcomeLabels = Object.fromEntries(Object.entries(outcomeWords).map(([outcome, words]) => [outcome, `${words.mark} ${words.short}`])) as Record<HostOutcome, string>;

export function outcomeTone(outcome: HostOutcome): string | undefined {
	if (outcome === 'ok') return tone('ok');
	if (outcome === 'staged') return tone('accent');
	if (outcome === 'cancelled') return tone('muted');
	if (outcome === 'rolled-back') return tone('warn');
	return tone('bad');
}
