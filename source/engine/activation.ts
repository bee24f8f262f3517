import type { HostConfig } from '../config/types.js';
import type { TemplateValues } from './remote/quote.js';
import type { ActivateInput } from './remote/switch.js';

/** Steps an operator can leave out of activation (Oqto's --skip-* flags). */
export interface Skips {
	readonly frontend: boolean;
	readonly backend: boolean;
	readonly services: boolean;
}

export const noSkips: Skips = { frontend: false, backend: false, services: false };

/** What a host asks for once it is on a generation: installs, restarts, hooks (minus the skipped). */
export function activation(host: HostConfig, skips: Skips, values: TemplateValues): ActivateInput {
	return {
		root: host.root,
		host: host.name,
		binaries: skips.backend ? [] : host.binaries,
		binDir: host.binDir,
		binPrefix: host.binPrefix,
		frontend: host.frontend && !skips.frontend && host.webRoot ? { dir: host.frontendDir, webRoot: host.webRoot } : undefined,
		services: skips.services ? [] : host.services,
		restart: host.restart,
		runners: skips.services || host.mode !== 'multi-user' ? [] : host.runners,
		afterSwitch: host.afterSwitch,
		values,
		...(host.user === undefined ? {} : { user: host.user }),
		...(host.become === undefined ? {} : { become: host.become }),
	};
}
