import { runDeployScript } from '../remote/deploy-script.js';
import { swapCurrent } from '../remote/switch.js';
import { releasesStrategy } from './releases.js';
import type { Strategy, SwitchTarget } from './strategy.js';
import { templateValues } from '../template-values.js';

/**
 * FastDeploy: a generation is one run of the host's deploy script (with whatever artifact the
 * build made, possibly none). `current` moves only when the script exited 0; rolling back re-runs
 * the script in the older generation with that generation's release.
 */
export const scriptStrategy: Strategy = {
	...releasesStrategy,
	switchScript: (target) =>
		[
			runDeployScript(deployScriptInput(target)),
			swapCurrent({ root: target.host.root, to: target.to, operator: target.operator, reason: target.reason, release: target.release, at: target.at, failedBy: target.failedBy }),
		].join('\n'),
};

function deployScriptInput(target: SwitchTarget) {
	const host = target.host;
	const services = host.script!.includes('{service}') ? host.services : [undefined];
	const generation = `${host.root}/generations/${target.to}`;
	return {
		root: host.root,
		to: target.to,
		script: host.script!,
		services,
		host: host.name,
		release: target.release,
		values: templateValues(host, { release: target.release, generation: target.to }),
		// No env values here: the script text is visible in `ps`. They are in the generation's .env (0600).
		configFor: (service: string | undefined) =>
			JSON.stringify({
				deployment_id: `${host.name}-${target.to}-${target.at}`,
				deploy_script: service ? `${service}/${host.script!.split('/').at(-1)}` : host.script!.split('/').at(-1),
				service,
				host: host.name,
				release: target.release,
				generation: target.to,
				reason: target.reason,
				path: generation,
				env_file: `${generation}/.env`,
			}),
	};
}
