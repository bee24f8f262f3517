import type { CanaryChoice } from './types.js';

// What a canary choice may name, checked where the config is read (and again for --canary);
// the engine plans the waves from the same names.

/** What planning waves needs to know of a host: its name and tags (a canary may be chosen by either). */
export interface WaveMember {
	readonly name: string;
	readonly tags: readonly string[];
}

/** `@web`: a tag, not a host name. */
export const isTag = (target: string): boolean => target.startsWith('@');

/**
 * Names and `@tags` of a canary choice that match no host of `hosts` (a typo, a host that was
 * removed); empty when every one matches something.
 */
export function unknownCanaryTargets(choice: CanaryChoice, hosts: readonly WaveMember[]): string[] {
	if (typeof choice === 'number') return [];
	const names = new Set(hosts.map((host) => host.name));
	const tags = new Set(hosts.flatMap((host) => host.tags));
	return choice.filter((target) => (isTag(target) ? !tags.has(target.slice(1)) : !names.has(target)));
}

/** What may be written for a canary: every host name and `@tag`, for an error to list. */
export function canaryTargets(hosts: readonly WaveMember[]): string[] {
	return [...new Set([...hosts.flatMap((host) => host.tags.map((tag) => `@${tag}`)), ...hosts.map((host) => host.name)])];
}
