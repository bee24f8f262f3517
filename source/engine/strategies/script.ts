import { declareSteps, readDeclaredSteps, runDeployScript } from '../remote/deploy-script.js';
import { fillTemplate, script } from '../remote/quote.js';
import { generationPath } from '../remote/layout.js';
import { swapCurrent } from '../remote/switch.js';
import { nextGeneration, rootLine } from './activation-preview.js';
import type { HostConfig } from '../../config/types.js';
import { releasesStrategy } from './releases.js';
import type { Strategy, SwitchTarget } from './strategy.js';
import { templateValues } from '../template-values.js';

/**
 * FastDeploy: a generation is one run of the host's deploy script (with whatever artifact the
 * build made, possibly none). `current` moves only when the script exited 0; rolling back re-runs
 * the script in the older generation with that generation's release. Steps the scripts'
 * config.json files declare show as pending from the preflight on.
 */
export const scriptStrategy: Strategy = {
	...releasesStrategy,
	inspect: (host, artifact) => script(releasesStrategy.inspect(host, artifact), declareSteps(scriptsOf(host, {}))),
	switchScript: (target) =>
		[
			runDeployScript(deployScriptInput(target)),
			swapCurrent({ root: target.host.root, to: target.to, operator: target.operator, reason: target.reason, release: target.release, at: target.at, failedBy: target.failedBy }),
		].join('\n'),
	preview: {
		script: () => '',
		describe: (input) => {
			const steps = readDeclaredSteps(input.result.blocks);
			return [
				`would become ${nextGeneration(input)}`,
				...rootLine(input),
				`would run ${scriptsOf(input.host, { release: input.release }).map((command) => `${command} --config <file>`).join(', then ')}${input.host.runAs ? ` as ${input.host.runAs}` : ''}`,
				...(steps.length > 0 ? [`steps declared: ${steps.join(', ')}`] : []),
			];
		},
	},
	declaredSteps: (result) => readDeclaredSteps(result.blocks),
	// The deploy script does the work: it may need nothing from this machine.
	deploysWithoutArtifact: true,
	stepsInOutput: true,
};

/** The deploy script command(s) of a host: one per service when the script names {service}. */
function scriptsOf(host: HostConfig, context: { release?: string; generation?: number }): string[] {
	const services = host.script!.includes('{service}') ? host.services : [undefined];
	const values = templateValues(host, context);
	return services.map((service) => fillTemplate(host.script!, { ...values, service }));
}

function deployScriptInput(target: SwitchTarget) {
	const host = target.host;
	const services = host.script!.includes('{service}') ? host.services : [undefined];
	const generation = generationPath(host.root, target.to);
	return {
		root: host.root,
		to: target.to,
		script: host.script!,
		services,
		host: host.name,
		release: target.release,
		at: target.at,
		...(host.runAs === undefined ? {} : { runAs: host.runAs }),
		...(host.become === undefined ? {} : { become: host.become }),
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
