/**
 * Every key the console answers to, in one table: key → action → label → where it applies.
 * The help overlay, the status-bar hints and the README's key table are generated from it (or
 * checked against it), so they cannot drift from what the keys do. Views ask
 * `actionFor(context, key.name)` and never compare raw keys.
 *
 * Movement is vim's: h j k l and the arrows. `t` tails a host's service logs (what `tail -f`
 * does, on the key its name starts with). Keys are names from `input/key-reader.ts`.
 */
export type KeyContext =
	/** The hosts, as tiles or as the table. */
	| 'grid'
	| 'log'
	| 'generations'
	/** A yes/no question. */
	| 'dialog'
	/** The confirm-before-switch question: a list of staged hosts whose changes can be looked at. */
	| 'switch'
	/** One staged host's changed files. */
	| 'changes'
	/** One changed file's diff. */
	| 'diff'
	| 'phases'
	| 'help'
	/** Typing a filter or a search. */
	| 'text';

export const keyContexts: readonly KeyContext[] = ['grid', 'log', 'generations', 'dialog', 'switch', 'changes', 'diff', 'phases', 'help', 'text'];

export type Action =
	| 'move-up'
	| 'move-down'
	| 'move-left'
	| 'move-right'
	| 'pick-move'
	| 'page-up'
	| 'page-down'
	| 'top'
	| 'bottom'
	| 'toggle-select'
	| 'toggle-all'
	| 'filter'
	| 'clear-filter'
	| 'pick-phases'
	| 'switch-environment'
	| 'deploy'
	| 'cancel'
	| 'retry-failed'
	| 'generations'
	| 'tail-logs'
	| 'switch-pane'
	| 'host-log'
	| 'all-logs'
	| 'toggle-table'
	| 'sort'
	| 'group'
	| 'next-failed'
	| 'previous-failed'
	| 'help'
	| 'quit'
	| 'interrupt'
	| 'scroll-up'
	| 'scroll-down'
	| 'follow'
	| 'search'
	| 'next-match'
	| 'previous-match'
	| 'close'
	| 'rollback'
	| 'break-lock'
	| 'yes'
	| 'no'
	| 'view-changes'
	| 'open-diff'
	| 'choose'
	| 'change-value'
	| 'accept-text'
	| 'cancel-text'
	| 'delete-char';

export interface Binding {
	/** Key names as `input/key-reader.ts` spells them: 'up', 'enter', 'space', 'ctrl+c', or the character. */
	readonly keys: readonly string[];
	readonly action: Action;
	/** What the help overlay and the README say. */
	readonly label: string;
	readonly contexts: readonly KeyContext[];
	/** Short label for the status-bar hints; bindings without one appear only in help. */
	readonly hint?: string;
	/** Which hints stay when the line is short: lower first (`?` is always shown). */
	readonly rank?: number;
	/** The keys as the hint shows them, when not the first key's label. */
	readonly hintKeys?: string;
}

/** Everywhere except while typing (where `?` and `q` are characters). */
const everywhere: readonly KeyContext[] = keyContexts.filter((context) => context !== 'text');
const lists: readonly KeyContext[] = ['switch', 'changes', 'generations', 'phases'];
const scrolling: readonly KeyContext[] = ['log', 'diff', 'help'];

export const keymap: readonly Binding[] = [
	{ keys: ['up', 'k'], action: 'move-up', label: 'move up', contexts: ['grid'] },
	{ keys: ['down', 'j'], action: 'move-down', label: 'move down', contexts: ['grid'] },
	{ keys: ['left', 'h'], action: 'move-left', label: 'move left', contexts: ['grid'] },
	{ keys: ['right', 'l'], action: 'move-right', label: 'move right', contexts: ['grid'] },
	{ keys: ['up', 'down', 'k', 'j'], action: 'pick-move', label: 'move the highlight', contexts: lists, hint: 'move', rank: 6, hintKeys: '↑↓' },
	{ keys: ['up', 'k'], action: 'scroll-up', label: 'scroll up', contexts: scrolling },
	{ keys: ['down', 'j'], action: 'scroll-down', label: 'scroll down', contexts: scrolling, hint: 'scroll', rank: 6, hintKeys: '↑↓' },
	{ keys: ['pageup'], action: 'page-up', label: 'page up', contexts: ['grid', ...scrolling] },
	{ keys: ['pagedown'], action: 'page-down', label: 'page down', contexts: ['grid', ...scrolling] },
	{ keys: ['home'], action: 'top', label: 'to the top (first host, oldest line)', contexts: ['grid', ...scrolling] },
	{ keys: ['end'], action: 'bottom', label: 'to the bottom (last host, follow the log)', contexts: ['grid', ...scrolling] },
	{ keys: ['space'], action: 'toggle-select', label: 'select / unselect host', contexts: ['grid'], hint: 'select', rank: 2 },
	{ keys: ['a'], action: 'toggle-all', label: 'select all / none (filtered)', contexts: ['grid'], hint: 'all', rank: 5 },
	{ keys: ['/'], action: 'filter', label: 'filter: name, glob (web-*) or @tag', contexts: ['grid'], hint: 'filter', rank: 3 },
	{ keys: ['escape'], action: 'clear-filter', label: 'clear the filter', contexts: ['grid'] },
	{ keys: ['d', 'enter'], action: 'deploy', label: 'deploy the selected hosts on screen (else the focused)', contexts: ['grid'], hint: 'deploy', rank: 2 },
	{ keys: ['p'], action: 'pick-phases', label: 'pick phases (plan)', contexts: ['grid', 'log'], hint: 'phases', rank: 4 },
	{ keys: ['c'], action: 'cancel', label: 'cancel the run (switches in flight finish)', contexts: ['grid', 'log'], hint: 'cancel', rank: 3 },
	{ keys: ['f'], action: 'next-failed', label: 'next failed host', contexts: ['grid', 'log'], hint: 'failed', rank: 4 },
	{ keys: ['F'], action: 'previous-failed', label: 'previous failed host', contexts: ['grid', 'log'] },
	{ keys: ['R'], action: 'retry-failed', label: 'retry failed hosts', contexts: ['grid', 'log'], hint: 'retry', rank: 8 },
	{ keys: ['g'], action: 'generations', label: 'generations of the focused host', contexts: ['grid', 'log'], hint: 'gens', rank: 5 },
	{ keys: ['tab'], action: 'switch-pane', label: 'switch between hosts and log pane', contexts: ['grid', 'log'], hint: 'pane', rank: 5 },
	{ keys: ['T'], action: 'toggle-table', label: 'host table ⇄ tiles', contexts: ['grid'], hint: 'table', rank: 6 },
	{ keys: ['s'], action: 'sort', label: 'sort: config order, state, name, generation', contexts: ['grid'], hint: 'sort', rank: 6 },
	{ keys: ['@'], action: 'group', label: 'group by tag (1st tag, 2nd tag, …, off)', contexts: ['grid'], hint: 'group', rank: 9 },
	{ keys: ['L'], action: 'host-log', label: 'full-screen log of the focused host', contexts: ['grid', 'log'], hint: 'log', rank: 7 },
	{ keys: ['v'], action: 'all-logs', label: 'all hosts log, interleaved', contexts: ['grid', 'log'], hint: 'all logs', rank: 7 },
	{ keys: ['t'], action: 'tail-logs', label: 'tail the service logs into the pane (toggle)', contexts: ['grid', 'log'], hint: 'tail', rank: 8 },
	{ keys: ['B'], action: 'break-lock', label: 'break the host lock (asks only if held; logged)', contexts: ['grid'] },
	{ keys: ['E'], action: 'switch-environment', label: 'another environment (configs with environments)', contexts: ['grid'] },
	{ keys: ['G'], action: 'follow', label: 'follow the tail', contexts: ['log'], hint: 'follow', rank: 4 },
	{ keys: ['/'], action: 'search', label: 'search the log', contexts: ['log'], hint: 'search', rank: 3 },
	{ keys: ['n'], action: 'next-match', label: 'next match (older)', contexts: ['log'], hint: 'next', rank: 4 },
	{ keys: ['N'], action: 'previous-match', label: 'previous match (newer)', contexts: ['log'], hint: 'prev', rank: 5 },
	{ keys: ['escape'], action: 'close', label: 'back', contexts: ['log', 'generations', 'changes', 'diff', 'phases', 'help'], hint: 'back', rank: 2 },
	{ keys: ['r'], action: 'rollback', label: 'roll back to it (several selected: its release)', contexts: ['generations'], hint: 'rollback', rank: 1 },
	{ keys: ['g'], action: 'close', label: 'close generations', contexts: ['generations'] },
	{ keys: ['y'], action: 'yes', label: 'yes', contexts: ['dialog', 'switch'], hint: 'yes', rank: 1 },
	{ keys: ['n', 'escape', 'enter'], action: 'no', label: 'no (the default)', contexts: ['dialog', 'switch'], hint: 'no', rank: 1 },
	{ keys: ['v'], action: 'view-changes', label: "the highlighted host's changed files", contexts: ['switch'], hint: 'changes', rank: 2 },
	{ keys: ['enter'], action: 'open-diff', label: "the highlighted file's diff (current → staged)", contexts: ['changes'], hint: 'diff', rank: 1 },
	{ keys: ['enter'], action: 'choose', label: 'use this plan (on a wave row: the next value)', contexts: ['phases'], hint: 'choose', rank: 1 },
	{ keys: ['left', 'right', 'h', 'l'], action: 'change-value', label: 'change a wave row: canary, batch, max failures', contexts: ['phases'], hint: 'change', rank: 2, hintKeys: '←→' },
	{ keys: ['enter'], action: 'accept-text', label: 'keep the text', contexts: ['text'], hint: 'keep', rank: 1 },
	{ keys: ['escape'], action: 'cancel-text', label: 'cancel', contexts: ['text'], hint: 'cancel', rank: 1 },
	{ keys: ['backspace'], action: 'delete-char', label: 'delete a character', contexts: ['text'] },
	{ keys: ['?'], action: 'help', label: 'help: all keys and marks', contexts: everywhere, hint: 'help', rank: 0 },
	{ keys: ['q'], action: 'quit', label: 'quit (asks when work is running)', contexts: everywhere, hint: 'quit', rank: 1 },
	{ keys: ['ctrl+c'], action: 'interrupt', label: 'cancel the run, or quit when idle', contexts: keyContexts },
];

export function actionFor(context: KeyContext, keyName: string): Action | undefined {
	return keymap.find((binding) => binding.contexts.includes(context) && binding.keys.includes(keyName))?.action;
}

const keyLabels: Record<string, string> = {
	up: '↑',
	down: '↓',
	left: '←',
	right: '→',
	enter: 'enter',
	escape: 'esc',
	space: 'space',
	tab: 'tab',
	pageup: 'PgUp',
	pagedown: 'PgDn',
	home: 'Home',
	end: 'End',
	backspace: 'bksp',
	'ctrl+c': '^C',
};

export function keyLabel(keyName: string): string {
	return keyLabels[keyName] ?? keyName;
}

export function keysLabel(binding: Binding): string {
	return binding.keys.map(keyLabel).join(' ');
}

/** The keys of an action's first binding, as help shows them ("t"), for messages that name a key. */
export function keysOf(action: Action): string {
	const binding = keymap.find((candidate) => candidate.action === action);
	return binding ? keysLabel(binding) : '';
}

/** Where a context is, in words (help headings, the README's "where" column). */
export const contextNames: Record<KeyContext, string> = {
	grid: 'hosts',
	log: 'log pane',
	generations: 'generations',
	dialog: 'questions',
	switch: 'switch question',
	changes: 'changed files',
	diff: 'diff',
	phases: 'phases',
	help: 'help',
	text: 'typing a filter or search',
};

const hintSeparator = ' · ';

/**
 * "? help · q quit · space select · …" for the status bar, as many as fit in `width`: `?` first
 * and always, then the others by rank (table order among equals), so the line is never cut mid-hint.
 */
export function hintsFor(context: KeyContext, width = Infinity): string {
	const hinted = keymap
		.map((binding, order) => ({ binding, order }))
		.filter(({ binding }) => binding.hint !== undefined && binding.contexts.includes(context))
		.sort((a, b) => (a.binding.rank ?? 9) - (b.binding.rank ?? 9) || a.order - b.order);
	const shown: string[] = [];
	let used = 0;
	for (const { binding } of hinted) {
		const text = `${binding.hintKeys ?? keyLabel(binding.keys[0] ?? '')} ${binding.hint}`;
		const length = [...text].length + (shown.length > 0 ? hintSeparator.length : 0);
		if (shown.length > 0 && used + length > width) continue;
		shown.push(text);
		used += length;
	}
	return shown.join(hintSeparator);
}

export interface HelpSection {
	readonly title: string;
	readonly rows: readonly { readonly keys: string; readonly label: string }[];
}

/** The help overlay's content: bindings grouped by where they apply, in table order. */
export function helpSections(): HelpSection[] {
	const sections = new Map<string, { keys: string; label: string }[]>();
	for (const binding of keymap) {
		const title = binding.contexts.length === everywhere.length && everywhere.every((context) => binding.contexts.includes(context)) ? 'everywhere' : binding.contexts === keyContexts ? 'everywhere, typing too' : binding.contexts.map((context) => contextNames[context]).join(' · ');
		const rows = sections.get(title) ?? [];
		rows.push({ keys: keysLabel(binding), label: binding.label });
		sections.set(title, rows);
	}
	return [...sections].map(([title, rows]) => ({ title, rows }));
}
