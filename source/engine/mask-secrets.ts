import type { HostConfig } from '../config/types.js';
import type { EmitEvent, EngineEvent } from './events.js';

export const mask = '••••••';

/** Every value marked `secret = true` in any host's env; short ones too, since they still leak. */
export function secretValues(hosts: readonly HostConfig[]): string[] {
	const values = new Set(hosts.flatMap((host) => Object.values(host.env).filter((value) => value.secret && value.value.length > 0).map((value) => value.value)));
	// Longest first, so a secret that contains another is masked whole.
	return [...values].sort((a, b) => b.length - a.length);
}

export function maskText(text: string, secrets: readonly string[]): string {
	return secrets.reduce((masked, secret) => masked.replaceAll(secret, mask), text);
}

/**
 * Wraps an emitter so no secret reaches a log file, the screen or a JSON event: the engine
 * applies it once, and every consumer downstream only ever sees masked text.
 */
export function maskingEmitter(hosts: readonly HostConfig[], emit: EmitEvent): EmitEvent {
	const secrets = secretValues(hosts);
	if (secrets.length === 0) return emit;
	const clean = (text: string | undefined) => (text === undefined ? undefined : maskText(text, secrets));
	return (event: EngineEvent) => {
		switch (event.type) {
			case 'log':
				return emit({ ...event, line: clean(event.line)! });
			case 'step':
				return emit({ ...event, name: clean(event.name)!, message: clean(event.message) });
			case 'phase':
				return emit({ ...event, reason: clean(event.reason) });
			case 'host-done':
				return emit({ ...event, reason: clean(event.reason) });
			case 'run-finished':
				return emit({ ...event, summary: { ...event.summary, reasons: Object.fromEntries(Object.entries(event.summary.reasons).map(([host, reason]) => [host, clean(reason)!])) } });
			default:
				return emit(event);
		}
	};
}
