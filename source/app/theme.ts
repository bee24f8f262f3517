import { hostEndings, type HostEnding, type Phase, type PhaseStatus } from '../engine/events.js';
import { endingRules, type Tone as EndingTone } from '../engine/outcome/endings.js';
import { noGenerationMark } from '../engine/outcome/words.js';

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

/** "✓ ok", "‼ manual": a host's ending as a tile shows it. */
export const endingLabels = Object.fromEntries(hostEndings.map((ending) => [ending, `${endingRules[ending].mark} ${endingRules[ending].short}`])) as Record<HostEnding, string>;

/** The colour of an ending (its rule's tone, endings.ts). */
export const endingTone = (ending: HostEnding): string | undefined => tone(endingTones[endingRules[ending].tone]);

const endingTones: Record<EndingTone, Tone> = { ok: 'ok', bad: 'bad', warn: 'warn', accent: 'accent', muted: 'muted' };
