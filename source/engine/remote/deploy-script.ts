import path from 'node:path';
import { asUserFunction } from './deploy-user.js';
import type { Become } from './become.js';
import { markGenerationStatus } from './generation-status.js';
import { layout } from './layout.js';
import { fillTemplate, marker, quote, script, type TemplateValues } from './quote.js';

export interface DeployScriptInput extends Become {
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
	/** The user the script runs as (through the host's way in, become.ts); its config file is then that user's alone (0600). */
	readonly runAs?: string;
	/** ISO time the run's statuses carry (a failed script marks its generation failed); default now. */
	readonly at?: string;
}

/**
 * FastDeploy's contract: the script gets `--config <file>` (a JSON file, mode 0640, removed
 * afterwards), prints `{"name","state","message"}` lines as it goes, and its exit code decides.
 * Runs inside the generation; its output is also kept in `.switchyard/steps.log` there, which is
 * how a script host's generations remember their steps. With `runAs` it runs as that user
 * (FastDeploy's `sudo` to its deploy user; here the host's way in), and the config file is created by that user, mode
 * 0600: readable by it and nobody else. A failed run marks its generation failed.
 */
export function runDeployScript(input: DeployScriptInput): string {
	const paths = layout(input.root);
	const generation = paths.generation(input.to);
	const steps = quote(path.posix.join(input.root, 'generations', String(input.to), '.switchyard', 'steps.log'));
	const failed = markGenerationStatus(generation, 'failed', input.at ?? new Date().toISOString(), 'deploy script');
	// The generation's env reaches the script through its environment, never its arguments.
	const loadEnv = 'set -a; [ ! -f .env ] || . ./.env; set +a;';
	const runs = input.services.map((service) => {
		const command = fillTemplate(input.script, { ...input.values, service });
		const config = quote(input.configFor(service));
		// As run_as, the config is written and the script run by that user: `$1` is the config file there.
		const [write, run] = input.runAs
			? [`printf '%s\\n' ${config} | sy_run_as 'cat > "$1"' "$config"`, `sy_run_as ${quote(`${loadEnv} exec ${command} --config "$1"`)} "$config"`]
			: [`printf '%s\\n' ${config} > "$config"`, `( ${loadEnv} ${command} --config "$config" )`];
		return script(
			write,
			// set -e would end the group before the status is written: catch it with ||.
			`{ status=0; ${run} 2>&1 || status=$?; echo "$status" > "$config.rc"; } | tee -a ${steps}`,
			'status=$(cat "$config.rc")',
			`if [ "$status" != 0 ]; then ${failed}; echo ${quote(`deploy script${service ? ` for ${service}` : ''} exited with`)} "$status" >&2; exit "$status"; fi`,
		);
	});
	return script(
		'set -e',
		`if [ ! -f ${generation}/.switchyard/generation.json ]; then echo "generation ${input.to} does not exist" >&2; exit 1; fi`,
		`cd ${generation}`,
		input.runAs
			? [asUserFunction('sy_run_as', input.runAs, input), `config=$(sy_run_as 'mktemp "\${TMPDIR:-/tmp}/switchyard-deploy.XXXXXX"')`, `trap 'sy_run_as '"'"'rm -f "$1"'"'"' "$config" || true; rm -f "$config.rc"' EXIT`]
			: ['config=$(mktemp "${TMPDIR:-/tmp}/switchyard-deploy.XXXXXX")', 'chmod 0640 "$config"', `trap 'rm -f "$config" "$config.rc"' EXIT`],
		': > ' + steps,
		...runs,
	);
}

/** Block names of the declared steps (`SY:declared-steps-<n>-begin` … `-end`), one per script run. */
const declaredBlock = 'declared-steps';

/**
 * FastDeploy's `config.json` beside each deploy script lists the steps it will report: printed
 * (read-only) so the steps can show as pending before the script runs.
 */
export function declareSteps(scripts: readonly string[]): string {
	return script(
		scripts.map((command, index) => {
			const file = quote(path.posix.join(path.posix.dirname(scriptPathOf(command)), 'config.json'));
			return `if [ -f ${file} ]; then echo "${marker}${declaredBlock}-${index}-begin"; cat ${file}; echo; echo "${marker}${declaredBlock}-${index}-end"; fi`;
		}),
	);
}

/** The step names the config.json files list, in order (a file that is not FastDeploy's JSON lists none). */
export function readDeclaredSteps(blocks: ReadonlyMap<string, readonly string[]>): string[] {
	const names: string[] = [];
	const ours = [...blocks.keys()].map((name) => new RegExp(`^${declaredBlock}-(\\d+)$`).exec(name)).filter((match) => match !== null).sort((a, b) => Number(a[1]) - Number(b[1]));
	for (const match of ours) {
		const lines = blocks.get(match[0])!;
		try {
			const steps = (JSON.parse(lines.join('\n')) as { steps?: unknown }).steps;
			if (Array.isArray(steps)) for (const step of steps) if (step && typeof (step as { name?: unknown }).name === 'string') names.push((step as { name: string }).name);
		} catch {
			// Not FastDeploy's config: nothing declared.
		}
	}
	return names;
}

/** The script a command runs: its last word (`python3 /srv/x/deploy.py` → `/srv/x/deploy.py`), unquoted. */
export function scriptPathOf(command: string): string {
	const quoted = /'((?:[^']|'\\'')*)'$/.exec(command.trim());
	if (quoted) return quoted[1]!.replaceAll(`'\\''`, "'");
	return command.trim().split(/\s+/).at(-1) ?? command;
}
