import { parseArgs } from 'node:util';
import type { Phase } from '../engine/events.js';
import { parsePhaseList, presets } from '../engine/plan.js';

export const commands = ['console', 'deploy', 'generations', 'rollback', 'check', 'logs', 'runs', 'help'] as const;
export type Command = (typeof commands)[number];

const options = {
	config: { type: 'string', short: 'c' },
	host: { type: 'string', short: 'H', multiple: true },
	tag: { type: 'string', short: 't', multiple: true },
	env: { type: 'string', short: 'e' },
	follow: { type: 'boolean', short: 'f' },
	lines: { type: 'string', short: 'n' },
	phases: { type: 'string' },
	'dry-run': { type: 'boolean' },
	'build-only': { type: 'boolean' },
	'skip-build': { type: 'boolean' },
	'skip-frontend': { type: 'boolean' },
	'skip-backend': { type: 'boolean' },
	'skip-services': { type: 'boolean' },
	jobs: { type: 'string', short: 'j' },
	yes: { type: 'boolean', short: 'y' },
	json: { type: 'boolean' },
	to: { type: 'string' },
	release: { type: 'string' },
	'ssh-config': { type: 'string' },
	'accept-new-host-keys': { type: 'boolean' },
	'break-lock': { type: 'boolean' },
	retry: { type: 'boolean' },
	canary: { type: 'string' },
	batch: { type: 'string' },
	'max-failures': { type: 'string' },
	verbose: { type: 'boolean', short: 'v' },
	help: { type: 'boolean', short: 'h' },
	version: { type: 'boolean', short: 'V' },
} as const;

export interface Arguments {
	readonly command: Command;
	readonly config: string;
	readonly hosts: string[];
	readonly tags: string[];
	/** --env NAME: only that environment's hosts. */
	readonly environment?: string;
	/** logs: keep following (-f), and how many earlier lines (-n N). */
	readonly follow: boolean;
	readonly lines?: number;
	readonly phases: Phase[];
	readonly skips: { frontend: boolean; backend: boolean; services: boolean };
	readonly jobs?: number;
	readonly yes: boolean;
	readonly json: boolean;
	readonly to?: number;
	readonly release?: string;
	readonly sshConfig?: string;
	readonly acceptNewHostKeys: boolean;
	readonly breakLock: boolean;
	/** Deploy the last deploy's failed hosts again, with its release. */
	readonly retry: boolean;
	readonly waves: { canary?: number; batch?: number | string; maxFailures?: number };
	/** Summaries list every host, the ones that ended well too (else counted on one line). */
	readonly verbose: boolean;
	readonly version: boolean;
}

/** The config a bare command line reads. */
export const defaultConfig = 'hosts.toml';

export class UsageError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'UsageError';
	}
}

export function parseArguments(argv: readonly string[]): Arguments {
	let parsed;
	try {
		parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
	} catch (error) {
		throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ''));
	}
	const { values, positionals } = parsed;
	const [first, ...extra] = positionals;
	if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
	if (first !== undefined && !(commands as readonly string[]).includes(first)) {
		throw new UsageError(`unknown command ${JSON.stringify(first)}; commands: ${commands.join(', ')}`);
	}
	const command: Command = values.help ? 'help' : ((first as Command | undefined) ?? 'console');
	const modes = (['dry-run', 'build-only', 'skip-build'] as const).filter((mode) => values[mode]);
	if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} can't be combined`);
	if (values.phases && modes.length > 0) throw new UsageError(`--phases and --${modes[0]} can't be combined`);
	const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
	if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs takes a whole number of 1 or more, not ${JSON.stringify(values.jobs)}`);
	const to = values.to === undefined ? undefined : Number(values.to);
	if (to !== undefined && !(Number.isInteger(to) && to >= 1)) throw new UsageError(`--to takes a generation number, not ${JSON.stringify(values.to)}`);
	if (to !== undefined && values.release) throw new UsageError('--to and --release can\'t be combined');
	if (values.retry && command !== 'deploy') throw new UsageError('--retry goes with deploy: switchyard deploy --retry');
	if ((values.follow || values.lines !== undefined) && command !== 'logs') throw new UsageError(`${values.follow ? '-f' : '-n'} goes with logs: switchyard logs [-f] [-n N]`);
	const lines = values.lines === undefined ? undefined : Number(values.lines);
	if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0)) throw new UsageError(`-n takes a number of lines, not ${JSON.stringify(values.lines)}`);
	if (values.retry && (values.phases || modes.length > 0)) throw new UsageError(`--retry uses the retried run's phases; leave out ${values.phases ? '--phases' : `--${modes[0]}`}`);

	const canary = wholeNumber(values.canary, '--canary', 0);
	const maxFailures = wholeNumber(values['max-failures'], '--max-failures', 1);
	const batch = values.batch === undefined ? undefined : /^([1-9][0-9]?|100)%$/.test(values.batch) ? values.batch : wholeNumber(values.batch, '--batch', 1);

	const phases: Phase[] = values.phases
		? parsePhaseList(values.phases)
		: [...presets[values['dry-run'] ? 'dry-run' : values['build-only'] ? 'build-only' : values['skip-build'] ? 'quick' : 'full']];
	return {
		command,
		config: values.config ?? defaultConfig,
		hosts: values.host ?? [],
		tags: values.tag ?? [],
		...(values.env === undefined ? {} : { environment: values.env }),
		follow: values.follow ?? false,
		...(lines === undefined ? {} : { lines }),
		phases,
		skips: { frontend: values['skip-frontend'] ?? false, backend: values['skip-backend'] ?? false, services: values['skip-services'] ?? false },
		jobs,
		yes: values.yes ?? false,
		json: values.json ?? false,
		to,
		release: values.release,
		sshConfig: values['ssh-config'],
		acceptNewHostKeys: values['accept-new-host-keys'] ?? false,
		breakLock: values['break-lock'] ?? false,
		retry: values.retry ?? false,
		waves: { canary, batch, maxFailures },
		verbose: values.verbose ?? false,
		version: values.version ?? false,
	};
}

function wholeNumber(text: string | undefined, flag: string, min: number): number | undefined {
	if (text === undefined) return undefined;
	const value = Number(text);
	if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} takes a whole number of ${min} or more${flag === '--batch' ? ' or a percentage like 25%' : ''}, not ${JSON.stringify(text)}`);
	return value;
}

export const usage = `switchyard — deploy console

Usage:
  switchyard [--config FILE] [--env NAME] [--host NAME]… [--tag TAG]…   open the console (on a terminal)
  switchyard deploy       [selection] [phases] [--yes] [--jobs N] [--json]
  switchyard generations  [selection] [--json]
  switchyard rollback     [selection] (--to N | --release ID) [--yes] [--json]
  switchyard check        [selection] [--json]        connection, lock, current generation, health
  switchyard logs         [selection] [-f] [-n N]     the services' logs (the host's logs command), per host
  switchyard runs         [--env NAME] [--json]       past runs recorded under .switchyard/runs

Selection:  --host NAME (repeatable), --tag TAG (repeatable), --env NAME (one environment's hosts);
            none = every host
Phases:     --phases build,preflight,upload,switch,validate | --dry-run (build+preflight)
            --build-only | --skip-build (quick: no build, deploy the existing artifact)
Skips:      --skip-frontend  --skip-backend (binaries)  --skip-services (restarts)
Waves:      --canary N (switch and validate N hosts first)  --batch N|N% (then this many at a time)
            --max-failures N (stop switching once N hosts failed)
Locks:      --break-lock (remove a held lock first; recorded in switches.log)
Retry:      deploy --retry (the failed hosts of the last deploy that switched or failed any, same release;
            dry runs and runs refused by a lock are passed over; refused if the artifact changed)
Other:      --config FILE (default ./hosts.toml)  --ssh-config FILE  --accept-new-host-keys
            --yes (switch without asking; needed without a terminal)  --json (one event per line)
            --verbose (summaries list every host; else hosts that ended ok are one counted line)

Exit status: 0 every host ended as asked · 1 a host failed, was rolled back or needs manual intervention
             2 bad arguments or config, nothing ran · 3 hosts left staged (confirmation declined, waves stopped)
             or a rollback not confirmed (it prints where each host would go)
             130 cancelled (Ctrl-C) · 143 SIGTERM · 129 SIGHUP · 141 output closed (e.g. | head)`;
