import type { HostConfig } from '../config/types.js';
import type { TemplateValues } from './remote/quote.js';

/** Where a template is filled: the release it is about and, when there is one, the generation. */
export interface TemplateContext {
	readonly release?: string;
	readonly generation?: number;
}

/**
 * The placeholders every command template may use (restart, after_switch, dry_run, health,
 * logs, script): `{host}` `{root}` `{current}` `{release}` (also `{version}`) `{generation}`.
 * `current` is where the live generation is; a strategy without a `current` link says otherwise.
 */
export function templateValues(host: HostConfig, context: TemplateContext, current = `${host.root}/current`): TemplateValues {
	return { host: host.name, root: host.root, current, release: context.release, version: context.release, generation: context.generation };
}

/**
 * Fills the same placeholders into a value that is not a command (an `[env]` value such as
 * `TAKO_BUILD = "{release}"`): as they are, unquoted. Unknown placeholders stay as written.
 */
export function fillValue(template: string, values: TemplateValues): string {
	return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => {
		const value = values[key];
		return value === undefined ? whole : String(value);
	});
}
