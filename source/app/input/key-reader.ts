/**
 * Raw terminal input → one key press per key. A terminal hands over whatever arrived in one
 * read: `jjjj` typed ahead, `x` and a backspace, an arrow's escape sequence between letters, or a
 * whole paste. Ink passes such a run on as one "input", so it is split here, once, for every view.
 *
 * Names are the keymap's (`keymap.ts`): the character itself for printable keys ('j', 'G', '?',
 * 'é'), else 'enter', 'tab', 'backtab', 'space', 'backspace', 'delete', 'escape', 'up', 'down',
 * 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'insert', 'ctrl+<letter>', and 'paste'
 * for bracketed paste (its text in `text`). Modified arrows ('ctrl+up', 'shift+up') and function
 * keys keep their own names, so they never act as the plain key.
 */
export interface KeyPress {
	readonly name: string;
	/** What the key types: the character, or the pasted text; '' for keys that type nothing. */
	readonly text: string;
}

const escape = '\u001B';
const pasteStart = `${escape}[200~`;
const pasteEnd = `${escape}[201~`;

/** CSI/SS3 final bytes and `~` codes → names. */
const finalNames: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'backtab', P: 'f1', Q: 'f2', R: 'f3', S: 'f4' };
const tildeNames: Record<string, string> = { '1': 'home', '2': 'insert', '3': 'delete', '4': 'end', '5': 'pageup', '6': 'pagedown', '7': 'home', '8': 'end' };
const modifierNames: Record<string, string> = { '2': 'shift+', '3': 'alt+', '4': 'shift+alt+', '5': 'ctrl+', '6': 'ctrl+shift+', '7': 'ctrl+alt+', '8': 'ctrl+shift+alt+' };

const controlNames: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', '\u007F': 'backspace', '\b': 'backspace', ' ': 'space' };

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** One key for a character that is not part of an escape sequence. */
function keyOfCharacter(char: string): KeyPress {
	const named = controlNames[char];
	if (named) return { name: named, text: char === ' ' ? ' ' : '' };
	const code = char.codePointAt(0) ?? 0;
	// ^A … ^Z (^H, ^I, ^J, ^M are backspace, tab and enter above).
	if (code >= 1 && code <= 26) return { name: `ctrl+${String.fromCharCode(code + 96)}`, text: '' };
	if (code < 32) return { name: `ctrl+${String.fromCharCode(code + 64).toLowerCase()}`, text: '' };
	return { name: char, text: char };
}

/** `ESC [ params final` or `ESC O final` at `at`; 'incomplete' when the text ends inside it, null when it is not one. */
function readSequence(raw: string, at: number): { key: KeyPress; length: number } | 'incomplete' | null {
	const kind = raw[at + 1];
	if (kind === undefined) return 'incomplete';
	if (kind === 'O') {
		const final = raw[at + 2];
		if (final === undefined) return 'incomplete';
		return { key: { name: finalNames[final] ?? `ss3+${final}`, text: '' }, length: 3 };
	}
	if (kind !== '[') return null;
	let end = at + 2;
	// Parameter and intermediate bytes (0x20–0x3F), then one final byte (0x40–0x7E).
	while (end < raw.length && raw.charCodeAt(end) >= 0x20 && raw.charCodeAt(end) <= 0x3f) end += 1;
	if (end >= raw.length) return 'incomplete';
	const final = raw[end]!;
	if (final.charCodeAt(0) < 0x40 || final.charCodeAt(0) > 0x7e) return null;
	const params = raw.slice(at + 2, end).split(';');
	const modifier = modifierNames[params[1] ?? ''] ?? '';
	const base = final === '~' ? tildeNames[params[0] ?? ''] : finalNames[final];
	const name = base ? `${modifier}${base}` : `csi+${raw.slice(at + 2, end + 1)}`;
	return { key: { name, text: '' }, length: end + 1 - at };
}

export interface KeyReader {
	/** The keys in this piece of input; an escape sequence or paste cut in two waits for its end. */
	read(raw: string): KeyPress[];
}

export function createKeyReader(): KeyReader {
	let carry = '';
	let paste: string | null = null;
	return {
		read(input) {
			const raw = carry + input;
			carry = '';
			const keys: KeyPress[] = [];
			let index = 0;
			while (index < raw.length) {
				if (paste !== null) {
					const end = raw.indexOf(pasteEnd, index);
					if (end === -1) {
						// Keep a possible start of the end marker for the next read.
						const keep = partialSuffix(raw, pasteEnd);
						paste += raw.slice(index, raw.length - keep);
						carry = raw.slice(raw.length - keep);
						return keys;
					}
					keys.push({ name: 'paste', text: paste + raw.slice(index, end) });
					paste = null;
					index = end + pasteEnd.length;
					continue;
				}
				const next = raw.indexOf(escape, index);
				const plainEnd = next === -1 ? raw.length : next;
				if (plainEnd > index) {
					for (const { segment } of segmenter.segment(raw.slice(index, plainEnd))) keys.push(keyOfCharacter(segment));
					index = plainEnd;
					continue;
				}
				if (raw.startsWith(pasteStart, index)) {
					paste = '';
					index += pasteStart.length;
					continue;
				}
				const sequence = readSequence(raw, index);
				if (sequence === 'incomplete') {
					// A lone ESC at the end is the Escape key (Ink hands one over only once nothing
					// followed it); a sequence cut between two reads waits for its rest.
					if (index === raw.length - 1) keys.push({ name: 'escape', text: '' });
					else carry = raw.slice(index);
					return keys;
				}
				if (sequence) {
					keys.push(sequence.key);
					index += sequence.length;
					continue;
				}
				// ESC before a plain character (what terminals send for Alt+key, or ESC typed ahead
				// of a key): nothing here uses Alt, so it is ESC and then the key.
				keys.push({ name: 'escape', text: '' });
				index += 1;
			}
			return keys;
		},
	};
}

/** Length of the longest end of `text` that is a start of `marker`. */
function partialSuffix(text: string, marker: string): number {
	for (let length = Math.min(marker.length - 1, text.length); length > 0; length -= 1) {
		if (marker.startsWith(text.slice(text.length - length))) return length;
	}
	return 0;
}

/** Text a key types into a one-line field: printable characters and pastes, never control characters or newlines. */
export function typedText(key: KeyPress): string {
	if (key.name === 'paste') return key.text.replace(/[\r\n\t]+/g, ' ').replace(/\p{Cc}/gu, '');
	return key.text;
}

/** Removes the last character (grapheme) of a field's text. */
export function withoutLastCharacter(text: string): string {
	const segments = [...segmenter.segment(text)];
	return segments
		.slice(0, -1)
		.map(({ segment }) => segment)
		.join('');
}
