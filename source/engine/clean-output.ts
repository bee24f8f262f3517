import type { HostConfig } from '../config/types.js';
import type { EmitEvent, EngineEvent } from './events.js';
import { envValueText } from './generation-env.js';
import { quote } from './remote/quote.js';

export const mask = '••••••';

/** Parts of a multi-line secret shorter than this are not masked on their own (a blank or a brace is no secret). */
const minimumPartLength = 4;

/**
 * Every form a secret may take in what a host prints back: as it is, escaped for `.env`, for
 * JSON, for a shell word, URL-encoded, and each line of a multi-line one (a PEM key printed by a
 * tool comes back line by line). Longest first, so a secret that contains another is masked whole.
 */
export function secretForms(hosts: readonly HostConfig[]): string[] {
	const forms = new Set<string>();
	for (const host of hosts) {
		for (const value of Object.values(host.env)) {
			if (!value.secret || value.value.length === 0) continue;
			const whole = [value.value, envValueText(value.value), JSON.stringify(value.value).slice(1, -1), quote(value.value), encodeURIComponent(value.value)];
			for (const form of whole) {
				forms.add(form);
				for (const part of form.split(/\n|\\n|\r/)) if (part.trim().length >= minimumPartLength) forms.add(part);
			}
		}
	}
	return [...forms].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, secrets: readonly string[]): string {
	return secrets.reduce((masked, secret) => (masked.includes(secret) ? masked.replaceAll(secret, mask) : masked), text);
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
			case 'host-done':
				return emit({ ...event, ...(event.reason === undefined ? {} : { reason: optional(event.reason) }) });
			case 'run-finished':
				return emit({ ...event, summary: { ...event.summary, reasons: Object.fromEntries(Object.entries(event.summary.reasons).map(([host, reason]) => [host, clean(reason)])) } });
			default:
				return emit(event);
		}
	};
}

/** Masks secrets and makes control characters visible: for lines that don't come through an engine run (service log tails). */
export function textCleaner(hosts: readonly HostConfig[]): (text: string) => string {
	const secrets = secretForms(hosts);
	return (text) => visibleControls(maskLinks(secrets.length === 0 ? text : maskText(text, secrets)));
}

/**
 * A presigned link is a key to an object until it expires: whatever a host or a tool prints of
 * one keeps the link's shape but not its signature, credential or session token (SigV4 and V2).
 */
const linkParts = /((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)[^&\s"'<>]+/gi;

export function maskLinks(text: string): string {
	return /X-Amz-|Signature=|AWSAccessKeyId=/i.test(text) ? text.replace(linkParts, `$1${mask}`) : text;
}
