import type { Config, HostConfig } from '../config/types.js';
import { phases, type Phase } from './events.js';

export const presets = {
	full: ['build', 'preflight', 'upload', 'switch', 'validate'],
	'dry-run': ['build', 'preflight'],
	'build-only': ['build'],
	quick: ['preflight', 'upload', 'switch', 'validate'],
} as const satisfies Record<string, readonly Phase[]>;

export type PresetName = keyof typeof presets;

/**
 * Puts phases in their order and adds what they can't run without: touching a host needs
 * preflight (connection, lock); a switch is followed by cleanup.
 */
export function resolvePhases(requested: readonly Phase[]): Phase[] {
	const wanted = new Set(requested);
	if (wanted.has('upload') || wanted.has('switch')) wanted.add('preflight');
	if (wanted.has('switch')) wanted.add('cleanup');
	return phases.filter((phase) => wanted.has(phase));
}

export class SelectionError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SelectionError';
	}
}

/** Hosts named with --host and/or carrying a --tag; none of either = all. Unknown names are an error. */
export function selectHosts(config: Config, names: readonly string[], tags: readonly string[]): HostConfig[] {
	const known = new Set(config.hosts.map((host) => host.name));
	const unknown = names.filter((name) => !known.has(name));
	if (unknown.length > 0) {
		throw new SelectionError(`unknown host ${unknown.map((name) => `"${name}"`).join(', ')}; hosts in ${config.file}: ${[...known].join(', ')}`);
	}
	const knownTags = new Set(config.hosts.flatMap((host) => host.tags));
	const unknownTags = tags.filter((tag) => !knownTags.has(tag));
	if (unknownTags.length > 0) {
		throw new SelectionError(`unknown tag ${unknownTags.map((tag) => `"${tag}"`).join(', ')}; tags in ${config.file}: ${[...knownTags].join(', ') || '(none)'}`);
	}
	if (names.length === 0 && tags.length === 0) return [...config.hosts];
	return config.hosts.filter((host) => names.includes(host.name) || host.tags.some((tag) => tags.includes(tag)));
}

export function parsePhaseList(text: string): Phase[] {
	const words = text.split(',').map((word) => word.trim()).filter(Boolean);
	const bad = words.filter((word) => !(phases as readonly string[]).includes(word));
	if (bad.length > 0) throw new SelectionError(`unknown phase ${bad.map((word) => `"${word}"`).join(', ')}; phases: ${phases.join(', ')}`);
	return words as Phase[];
}
