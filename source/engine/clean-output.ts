import type { HostConfig } from '../config/types.js';
import type { EmitEvent, EngineEvent, GenerationInfo, StagedHost } from './events.js';
import { envValueText } from './generation-env.js';
import { quote } from './remote/quote.js';

export const mask = '••••••';

/** Parts of a multi-line secret shorter than this are not masked on their own (a blank or a brace is no secret). */
const minimumPartLength = 4;

/** The secret values of these hosts, each once. */
function secretValues(hosts: readonly HostConfig[]): string[] {
	const values = new Set<string>();
	for (const host of hosts) for (const value of Object.values(host.env)) if (value.secret && value.value.length > 0) values.add(value.value);
	return [...values];
}

/**
 * Every form a secret may take in what a host prints back, as exact text: as it is, escaped for
 * `.env`, for JSON, for a shell word, URL-encoded, and each line of a multi-line one (a PEM key
 * printed by a tool comes back line by line). Longest first, so a secret that contains another is
 * masked whole. What tools make of these on the way (backslashes added or taken away) is caught
 * by `escapedSecrets`.
 */
export function secretForms(hosts: readonly HostConfig[]): string[] {
	const forms = new Set<string>();
	for (const value of secretValues(hosts)) {
		const whole = [value, envValueText(value), JSON.stringify(value).slice(1, -1), quote(value), encodeURIComponent(value)];
		for (const form of whole) {
			forms.add(form);
			for (const part of form.split(/\n|\\n|\r/)) if (part.trim().length >= minimumPartLength) forms.add(part);
		}
	}
	return [...forms].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, secrets: readonly string[]): string {
	return secrets.reduce((masked, secret) => (masked.includes(secret) ? masked.replaceAll(secret, mask) : masked), text);
}

/**
 * Text as it reads once escaping is set aside: backslashes dropped, an escaped or real line break
 * (tab, CR) read as its letter, and the shell's ways of quoting a quote (`'\''`, `'"'"'`) read as
 * the quote. `at[i]` is where the i-th character of `text` came from in the input.
 */
function unescaped(input: string): { text: string; at: number[] } {
	let text = '';
	const at: number[] = [];
	const controls: Record<string, string> = { '\n': 'n', '\t': 't', '\r': 'r' };
	for (let index = 0; index < input.length; ) {
		const quoted = input.startsWith(`'\\''`, index) ? 4 : input.startsWith(`'"'"'`, index) ? 5 : 0;
		const char = input[index]!;
		if (quoted > 0) {
			text += "'";
			at.push(index);
			index += quoted;
			continue;
		}
		if (char !== '\\') {
			text += controls[char] ?? char;
			at.push(index);
		}
		index += 1;
	}
	return { text, at };
}

/**
 * A secret's `.env` form goes through the host's tools before it is printed, and each may add or
 * take away backslashes: dash's `echo` and `read` without -r unescape (`pa\\$` comes out `pa$`),
 * bash's `printf %q`, `declare -p` and `set -x` escape or quote again. No list of exact forms
 * covers every layer, so secrets are also found with escaping set aside (see `unescaped`): the
 * value, and each line of a multi-line one (a real or an escaped line break: `echo` makes the one of
 * the other). Pieces shorter than a few characters are left alone (a blank or a brace is no secret).
 */
function escapedSecrets(hosts: readonly HostConfig[]): string[] {
	const pieces = new Set<string>();
	for (const value of secretValues(hosts)) {
		for (const piece of [value, ...value.split(/\r?\n|\\+[nr]/)]) {
			const text = unescaped(piece).text;
			if (text.trim().length >= minimumPartLength) pieces.add(text);
		}
	}
	return [...pieces].sort((a, b) => b.length - a.length);
}

/** Masks every stretch of `text` that reads as one of `pieces` once escaping is set aside; linear in the text per piece. */
function maskEscaped(text: string, pieces: readonly string[]): string {
	if (pieces.length === 0) return text;
	// Most lines have nothing escaped: they are searched as they are.
	const plain = /[\\'\n\t\r]/.test(text) ? unescaped(text) : { text, at: undefined };
	const origin = (index: number) => plain.at?.[index] ?? index;
	const spans: [number, number][] = [];
	const taken = (start: number, end: number) => spans.some(([from, to]) => start < to && end > from);
	for (const piece of pieces) {
		for (let found = plain.text.indexOf(piece); found !== -1; found = plain.text.indexOf(piece, found + piece.length)) {
			let start = origin(found);
			// The backslashes that escaped its first character are part of it.
			while (start > 0 && text[start - 1] === '\\') start -= 1;
			const last = origin(found + piece.length - 1);
			const end = last + (text.startsWith(`'\\''`, last) ? 4 : text.startsWith(`'"'"'`, last) ? 5 : 1);
			if (!taken(start, end)) spans.push([start, end]);
		}
	}
	return spans.sort((a, b) => b[0] - a[0]).reduce((masked, [start, end]) => masked.slice(0, start) + mask + masked.slice(end), text);
}

/** Masks every secret of these hosts, in each form it can be printed in. */
export function secretMasker(hosts: readonly HostConfig[]): (text: string) => string {
	const forms = secretForms(hosts);
	const pieces = escapedSecrets(hosts);
	if (forms.length === 0) return (text) => text;
	return (text) => maskEscaped(maskText(text, forms), pieces);
}

/**
 * Host output shown to the operator must not drive their terminal: escape sequences could retitle
 * the window, clear the screen or fake lines. Control characters (C0 but tab, DEL, C1) are shown
 * as visible pictures instead (ESC as ␛, BEL as ␇, CSI as ⟨9b⟩); a line's trailing CR is dropped.
 */
export function visibleControls(text: string): string {
	// eslint-disable-next-line no-control-regex
	if (!/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(text)) return text;
	// eslint-disable-next-line no-control-regex
	return text.replace(/\r$/, '').replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (char) => {
		const code = char.charCodeAt(0);
		if (code < 0x20) return String.fromCharCode(0x2400 + code);
		if (code === 0x7f) return '␡';
		return `⟨${code.toString(16)}⟩`;
	});
}

/**
 * Wraps an emitter so that no secret and no control character reaches a log file, the screen or
 * a JSON event: the engine applies it once per run, and every consumer downstream only ever sees
 * clean text.
 */
export function cleanOutput(hosts: readonly HostConfig[], emit: EmitEvent): EmitEvent {
	const clean = textCleaner(hosts);
	const optional = (text: string | undefined) => (text === undefined ? undefined : clean(text));
	return (event: EngineEvent) => {
		switch (event.type) {
			case 'log':
				return emit({ ...event, line: clean(event.line) });
			case 'step':
				return emit({ ...event, name: clean(event.name), ...(event.message === undefined ? {} : { message: clean(event.message) }) });
			case 'phase':
				return emit(event.reason === undefined ? event : { ...event, reason: clean(event.reason) });
			case 'host-facts':
				// The lock's owner is what the host wrote: shown like any host output.
				return emit(event.lock === null ? event : { ...event, lock: { ...event.lock, reason: clean(event.lock.reason), ...(event.lock.operator === undefined ? {} : { operator: clean(event.lock.operator) }) } });
			case 'host-done':
				return emit({ ...event, ...(event.reason === undefined ? {} : { reason: optional(event.reason) }) });
			case 'run-finished':
				return emit({ ...event, summary: { ...event.summary, reasons: Object.fromEntries(Object.entries(event.summary.reasons).map(([host, reason]) => [host, clean(reason)])) } });
			// What a host's metadata says (release, by, notes) is host text like its output: the `g` list,
			// `switchyard generations`, --json and the records show it (the readers clean it too).
			case 'generations':
				return emit({ ...event, generations: event.generations.map((generation) => cleanGeneration(generation, clean)) });
			case 'staged':
				return emit({ ...event, staged: cleanStaged(event.staged, clean) });
			case 'confirm':
				return emit({ ...event, hosts: event.hosts.map((host) => cleanStaged(host, clean)), ...(event.why === undefined ? {} : { why: clean(event.why) }) });
			default:
				return emit(event);
		}
	};
}

function cleanGeneration(generation: GenerationInfo, clean: (text: string) => string): GenerationInfo {
	const optional = <K extends 'rev' | 'statusAt' | 'statusNote'>(key: K) => (generation[key] === undefined ? {} : { [key]: clean(generation[key]) });
	return { ...generation, release: clean(generation.release), created: clean(generation.created), by: clean(generation.by), ...optional('rev'), ...optional('statusAt'), ...optional('statusNote') };
}

function cleanStaged(staged: StagedHost, clean: (text: string) => string): StagedHost {
	return { ...staged, release: clean(staged.release), ...(staged.warnings === undefined ? {} : { warnings: staged.warnings.map(clean) }) };
}

/** Masks secrets and makes control characters visible: for lines that don't come through an engine run (service log tails). */
export function textCleaner(hosts: readonly HostConfig[]): (text: string) => string {
	const masked = secretMasker(hosts);
	return (text) => visibleControls(maskLinks(masked(text)));
}

/**
 * A presigned link is a key to an object until it expires: whatever a host or a tool prints of
 * one keeps the link's shape but not its signature, credential or session token (SigV4 and V2).
 */
const linkParts = /((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"'<>]+/gi;

export function maskLinks(text: string): string {
	return /X-Amz-|Signature=|AWSAccessKeyId=/i.test(text) ? text.replace(linkParts, `$1${mask}`) : text;
}
