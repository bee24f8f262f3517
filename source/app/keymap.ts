import type { Key } from 'ink';

/**
 * Every key the console answers to, in one table: key → action → label → where it applies.
 * The help overlay and the status-bar hints are generated from it, so they cannot drift from
 * what the keys do. Input hooks ask `actionFor(context, key)` and never compare raw keys.
 *
 * `l` tails service logs (DESIGN.md names it), so "right" is the arrow key only; h/j/k move.
 */
export type KeyContext = 'grid' | 'log' | 'generations' | 'dialog' | 'phases' | 'help' | 'text';

export type Action =
	| 'move-up'
	| 'move-down'
	| 'move-left'
	| 'move-right'
	| 'toggle-select'
	| 'toggle-all'
	| 'filter'
	| 'clear-filter'
	| 'pick-phases'
	| 'deploy'
	| 'cancel'
	| 'retry-failed'
	| 'generations'
	| 'tail-logs'
	| 'switch-pane'
	| 'host-log'
	| 'all-logs'
	| 'help'
	| 'quit'
	| 'interrupt'
	| 'scroll-up'
	| 'scroll-down'
	| 'page-up'
	| 'page-down'
	| 'follow'
	| 'search'
	| 'next-match'
	| 'close'
	| 'rollback'
	| 'break-lock'
	| 'yes'
	| 'no'
	| 'choose'
	| 'pick-move'
	| 'accept-text'
	| 'cancel-text'
	| 'delete-char';

export interface Binding {
	/** Normalised key names (see `keyNameOf`): 'up', 'enter', 'space', 'ctrl+c', or the character. */
	readonly keys: readonly string[];
	readonly action: Action;
	/** What the help overlay says. */
	readonly label: string;
	readonly contexts: readonly KeyContext[];
	/** Short label for the status-bar hints; bindings without one appear only in help. */
	readonly hint?: string;
}

export const keymap: readonly Binding[] = [
	{ keys: ['up', 'k'], action: 'move-up', label: 'move up', contexts: ['grid', 'generations'] },
	{ keys: ['down', 'j'], action: 'move-down', label: 'move down', contexts: ['grid', 'generations'] },
	{ keys: ['left', 'h'], action: 'move-left', label: 'move left', contexts: ['grid'] },
	{ keys: ['right'], action: 'move-right', label: 'move right', contexts: ['grid'] },
	{ keys: ['space'], action: 'toggle-select', label: 'select / unselect host', contexts: ['grid'], hint: 'select' },
	{ keys: ['a'], action: 'toggle-all', label: 'select all / none (filtered)', contexts: ['grid'], hint: 'all' },
	{ keys: ['/'], action: 'filter', label: 'filter: name, glob (web-*) or @tag', contexts: ['grid'], hint: 'filter' },
	{ keys: ['escape'], action: 'clear-filter', label: 'clear the filter', contexts: ['grid'] },
	{ keys: ['p'], action: 'pick-phases', label: 'pick phases (plan)', contexts: ['grid', 'log'], hint: 'phases' },
	{ keys: ['enter', 'd'], action: 'deploy', label: 'deploy selected (or focused) hosts', contexts: ['grid'], hint: 'deploy' },
	{ keys: ['c'], action: 'cancel', label: 'cancel the run (switches in flight finish)', contexts: ['grid', 'log'], hint: 'cancel' },
	{ keys: ['R'], action: 'retry-failed', label: 'retry failed hosts', contexts: ['grid', 'log'] },
	{ keys: ['g'], action: 'generations', label: 'generations of the focused host', contexts: ['grid', 'log'], hint: 'gens' },
	{ keys: ['l'], action: 'tail-logs', label: 'tail service logs into the pane (toggle)', contexts: ['grid', 'log'], hint: 'svc logs' },
	{ keys: ['tab'], action: 'switch-pane', label: 'switch between grid and log pane', contexts: ['grid', 'log'], hint: 'pane' },
	{ keys: ['B'], action: 'break-lock', label: 'break the host lock (asks; logged)', contexts: ['grid'] },
	{ keys: ['L'], action: 'host-log', label: 'full-screen log of the focused host', contexts: ['grid', 'log'] },
	{ keys: ['v'], action: 'all-logs', label: 'all hosts log, interleaved', contexts: ['grid', 'log'] },
	{ keys: ['up', 'k'], action: 'scroll-up', label: 'scroll up', contexts: ['log'] },
	{ keys: ['down', 'j'], action: 'scroll-down', label: 'scroll down', contexts: ['log'] },
	{ keys: ['pageup'], action: 'page-up', label: 'page up', contexts: ['log'] },
	{ keys: ['pagedown'], action: 'page-down', label: 'page down', contexts: ['log'] },
	{ keys: ['G'], action: 'follow', label: 'follow the tail', contexts: ['log'], hint: 'follow' },
	{ keys: ['/'], action: 'search', label: 'search the log', contexts: ['log'], hint: 'search' },
	{ keys: ['n'], action: 'next-match', label: 'previous (older) match', contexts: ['log'] },
	{ keys: ['escape'], action: 'close', label: 'back to the grid', contexts: ['log', 'generations', 'phases', 'help'], hint: 'back' },
	{ keys: ['r'], action: 'rollback', label: 'roll back to it (several selected: its release)', contexts: ['generations'], hint: 'rollback' },
	{ keys: ['g'], action: 'close', label: 'close generations', contexts: ['generations'] },
	{ keys: ['y'], action: 'yes', label: 'yes', contexts: ['dialog'], hint: 'yes' },
	{ keys: ['n', 'escape', 'enter'], action: 'no', label: 'no (the default)', contexts: ['dialog'], hint: 'no' },
	{ keys: ['up', 'down', 'k', 'j'], action: 'pick-move', label: 'move', contexts: ['phases'], hint: 'move' },
	{ keys: ['enter'], action: 'choose', label: 'use this plan', contexts: ['phases'], hint: 'choose' },
	{ keys: ['enter'], action: 'accept-text', label: 'keep the text', contexts: ['text'], hint: 'keep' },
	{ keys: ['escape'], action: 'cancel-text', label: 'cancel', contexts: ['text'], hint: 'cancel' },
	{ keys: ['backspace'], action: 'delete-char', label: 'delete a character', contexts: ['text'] },
	{ keys: ['?'], action: 'help', label: 'help: all keys', contexts: ['grid', 'log', 'help'], hint: 'help' },
	{ keys: ['q'], action: 'quit', label: 'quit (asks when work is running)', contexts: ['grid', 'log', 'help'], hint: 'quit' },
	{ keys: ['ctrl+c'], action: 'interrupt', label: 'cancel the run, or quit when idle', contexts: ['grid', 'log', 'generations', 'phases', 'help', 'dialog', 'text'] },
];

/** One name per key press, as the table spells keys. */
export function keyNameOf(input: string, key: Key): string {
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.leftArrow) return 'left';
	if (key.rightArrow) return 'right';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.return) return 'enter';
	if (key.escape) return 'escape';
	if (key.tab) return 'tab';
	if (key.backspace || key.delete) return 'backspace';
	if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
	if (input === ' ') return 'space';
	return input;
}

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
	backspace: 'bksp',
	'ctrl+c': '^C',
};

export function keyLabel(keyName: string): string {
	return keyLabels[keyName] ?? keyName;
}

export function keysLabel(binding: Binding): string {
	return binding.keys.map(keyLabel).join(' ');
}

/** Hints that must survive a narrow terminal come first; the line is cut at its end. */
const leadingHints: readonly Action[] = ['help', 'quit'];

/** "? help · q quit · space select · …" for the status bar: help and quit, then table order. */
export function hintsFor(context: KeyContext): string {
	const hinted = keymap.filter((binding) => binding.hint !== undefined && binding.contexts.includes(context));
	const ordered = [...hinted.filter((binding) => leadingHints.includes(binding.action)), ...hinted.filter((binding) => !leadingHints.includes(binding.action))];
	return ordered.map((binding) => `${keyLabel(binding.keys[0] ?? '')} ${binding.hint}`).join(' · ');
}

export interface HelpSection {
	readonly title: string;
	readonly rows: readonly { readonly keys: string; readonly label: string }[];
}

/** The help overlay's content: bindings grouped by where they apply, in table order. */
export function helpSections(): HelpSection[] {
	const sections = new Map<string, { keys: string; label: string }[]>();
	for (const binding of keymap) {
		const title = binding.contexts.join(' · ');
		const rows = sections.get(title) ?? [];
		rows.push({ keys: keysLabel(binding), label: binding.label });
		sections.set(title, rows);
	}
	return [...sections].map(([title, rows]) => ({ title, rows }));
}
