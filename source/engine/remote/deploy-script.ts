import path from 'node:path';
import { layout } from './layout.js';
import { fillTemplate, quote, script, type TemplateValues } from './quote.js';

export interface DeployScriptInput {
	readonly root: string;
	readonly to: number;
	/** The script command (template: {service} {root} {current} {host} {release}). */
	readonly script: string;
	/** One run per service when the script mentions {service}; otherwise one run. */
	readonly services: readonly (string | undefined)[];
	/** The JSON handed to the script with --config, per service (FastDeploy's config file). */
	readonly configFor: (service: string | undefined) => string;
	readonly host: string;
	readonly release: string;
	readonly values: TemplateValues;
}

/**
 * FastDeploy's contract: the script gets `--config <file>` (a JSON file, mode 0640, removed
 * afterwards), prints `{"name","state","message"}` lines as it goes, and its exit code decides.
 * Runs inside the generation; its output is also kept in `.switchyard/steps.log` there, which is
 * how a script host's generations remember their steps.
 */
export function runDeployScript(input: DeployScriptInput): string {
	const generation = layout(input.root).generation(input.to);
	const steps = quote(path.posix.join(input.root, 'generations', String(input.to), '.switchyard', 'steps.log'));
	const runs = input.services.map((service) => {
		const command = fillTemplate(input.script, { ...input.values, service });
		return script(
			`printf '%s\\n' ${quote(input.configFor(service))} > "$config"`,
			// set -e would end the group before the status is written: catch it with ||.
			// The generation's env reaches the script through its environment, never its arguments.
			`{ status=0; ( set -a; [ ! -f .env ] || . ./.env; set +a; ${command} --config "$config" ) 2>&1 || status=$?; echo "$status" > "$config.rc"; } | tee -a ${steps}`,
			'status=$(cat "$config.rc")',
			`if [ "$status" != 0 ]; then echo ${quote(`deploy script${service ? ` for ${service}` : ''} exited with`)} "$status" >&2; exit "$status"; fi`,
		);
	});
	return script(
		'set -e',
		`if [ ! -f ${generation}/.switchyard/generation.json ]; then echo "generation ${input.to} does not exist" >&2; exit 1; fi`,
		`cd ${generation}`,
		'config=$(mktemp "${TMPDIR:-/tmp}/switchyard-deploy.XXXXXX")',
		'chmod 0640 "$config"',
		`trap 'rm -f "$config" "$config.rc"' EXIT`,
		': > ' + steps,
		...runs,
	);
}
