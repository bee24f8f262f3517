import { parseArgs } from 'node:util';
import type { CanaryChoice } from '../config/types.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Phase } from '../engine/events.js';
import { parsePhaseList, presets } from '../engine/plan.js';
import { CanaryError, parseCanary } from '../engine/waves.js';

/** The commands a user types; none at all opens the console. */
export const commands = ['deploy', 'generations', 'rollback', 'check', 'logs', 'runs', 'help'] as const;
export type Command = 'console' | (typeof commands)[number];

/** Every command, the console (no command word) included: options list which of them take each. */
const everyCommand: readonly Command[] = ['console', ...commands];
/** Commands that pick hosts and reach them. */
const reaching: readonly Command[] = ['console', 'deploy', 'generations', 'rollback', 'check', 'logs'];
/** Commands that run hosts' work with bounded concurrency. */
const working: readonly Command[] = ['console', 'deploy', 'generations', 'rollback', 'check'];
/** Commands that deploy: a plan of phases, skips and waves. */
const deploying: readonly Command[] = ['console', 'deploy'];
const printing: readonly Command[] = ['deploy', 'generations', 'rollback', 'check', 'logs', 'runs'];

interface OptionSpec {
	readonly type: 'string' | 'boolean';
	readonly short?: string;
	readonly multiple?: boolean;
	/** What the value is called in help (`--jobs N`). */
	readonly value?: string;
	/** One line for a command's help. */
	readonly says: string;
	/** The commands that take it: any other refuses it (exit 2), naming these. */
	readonly takenBy: readonly Command[];
}

/**
 * Which options each command takes, and what they mean: the one table behind parsing (each
 * command parsed with its own options only, so a flag a command would ignore is refused), the
 * per-command help and the errors that name where a flag belongs.
 */
export const optionTable = {
	host: { type: 'string', short: 'H', multiple: true, value: 'NAME', says: 'this host (repeatable); none = every host', takenBy: [...reaching, 'runs'] },
	tag: { type: 'string', short: 't', multiple: true, value: 'TAG', says: 'hosts with this tag (repeatable)', takenBy: [...reaching, 'runs'] },
	env: { type: 'string', short: 'e', value: 'NAME', says: "one environment's hosts", takenBy: everyCommand.filter((command) => command !== 'help') },
	phases: { type: 'string', value: 'LIST', says: 'exactly these phases: build,preflight,upload,switch,validate', takenBy: deploying },
	'dry-run': { type: 'boolean', says: 'build + preflight: connect, check, run dry_run, print the diff; changes nothing', takenBy: deploying },
	'build-only': { type: 'boolean', says: 'build and fingerprint the artifact only', takenBy: deploying },
	'skip-build': { type: 'boolean', says: 'quick: no build, deploy the artifact built earlier', takenBy: deploying },
	'skip-frontend': { type: 'boolean', says: 'leave out the frontend sync', takenBy: deploying },
	'skip-backend': { type: 'boolean', says: 'leave out the binary installs', takenBy: deploying },
	'skip-services': { type: 'boolean', says: 'leave out the service restarts', takenBy: deploying },
	canary: { type: 'string', value: '@TAG|NAME,…|N', says: 'these hosts switch and validate first (a failed canary stops the rest)', takenBy: deploying },
	batch: { type: 'string', value: 'N|N%', says: 'then this many hosts (or this share) at a time', takenBy: deploying },
	'max-failures': { type: 'string', value: 'N', says: 'stop switching once N hosts failed', takenBy: deploying },
	retry: { type: 'boolean', says: "the last deploy's failed hosts again, same release (refused if the artifact changed)", takenBy: ['deploy'] },
	to: { type: 'string', value: 'N', says: 'to generation N', takenBy: ['rollback'] },
	release: { type: 'string', value: 'ID', says: 'to the newest generation of that release', takenBy: ['rollback'] },
	yes: { type: 'boolean', short: 'y', says: 'switch without asking (needed without a terminal)', takenBy: ['deploy', 'rollback'] },
	'break-lock': { type: 'boolean', says: 'remove a held lock first (recorded in switches.log)', takenBy: ['deploy', 'rollback'] },
	jobs: { type: 'string', short: 'j', value: 'N', says: 'hosts worked on at once', takenBy: [...working, 'logs'] },
	follow: { type: 'boolean', short: 'f', says: 'keep following', takenBy: ['logs'] },
	lines: { type: 'string', short: 'n', value: 'N', says: 'N earlier lines per command', takenBy: ['logs'] },
	json: { type: 'boolean', says: 'one JSON object per line', takenBy: printing },
	verbose: { type: 'boolean', short: 'v', says: 'summaries list every host (else the ok ones are one line)', takenBy: working },
	config: { type: 'string', short: 'c', value: 'FILE', says: 'another hosts.toml (default ./hosts.toml)', takenBy: everyCommand.filter((command) => command !== 'help') },
	'ssh-config': { type: 'string', value: 'FILE', says: 'another ssh_config (default ~/.ssh/config)', takenBy: reaching },
	'accept-new-host-keys': { type: 'boolean', says: "record unknown hosts' keys in known_hosts (as OpenSSH's accept-new)", takenBy: reaching },
	help: { type: 'boolean', short: 'h', says: "this command's options and examples", takenBy: everyCommand },
	version: { type: 'boolean', short: 'V', says: 'the version', takenBy: ['console', 'help'] },
} as const satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof optionTable;
const optionNames = Object.keys(optionTable) as OptionName[];

/** What each command does, and examples, for `switchyard help COMMAND`. */
export const commandHelp: Record<Command, { readonly synopsis: string; readonly says: string; readonly examples: readonly string[] }> = {
	console: {
		synopsis: 'switchyard [options]',
		says: 'open the console (on a terminal): pick hosts and phases, watch them deploy, confirm, roll back',
		examples: ['switchyard', 'switchyard --tag web --canary @canary --batch 25%', 'switchyard --env staging --dry-run'],
	},
	deploy: {
		synopsis: 'switchyard deploy [options]',
		says: 'build, stage on every host, ask once, switch (in waves), validate, clean up',
		examples: ['switchyard deploy --yes', 'switchyard deploy --canary @canary --batch 25% --max-failures 2 --yes', 'switchyard deploy --dry-run --host web-1', 'switchyard deploy --phases switch,validate --yes   # switch what an earlier run staged', 'switchyard deploy --retry --yes'],
	},
	generations: {
		synopsis: 'switchyard generations [options]',
		says: "each host's generations, newest first: id, date, release, who, size, status",
		examples: ['switchyard generations', 'switchyard generations --host web-1 --json'],
	},
	rollback: {
		synopsis: 'switchyard rollback [options]',
		says: 'switch hosts back to an older generation (asks first; --yes without a terminal)',
		examples: ['switchyard rollback --host web-1 --yes', 'switchyard rollback --to 3 --host web-1', 'switchyard rollback --release 20261121-2340-abc1234 --tag web --yes'],
	},
	check: {
		synopsis: 'switchyard check [options]',
		says: 'one row per host: reachable, current generation, release, lock, free disk, health',
		examples: ['switchyard check', 'switchyard check --tag web --json'],
	},
	logs: {
		synopsis: 'switchyard logs [options]',
		says: "the services' logs (the host's logs command), each line prefixed with its host",
		examples: ['switchyard logs --host web-1 -n 100', 'switchyard logs --tag web -f', 'switchyard logs --json | jq .line'],
	},
	runs: {
		synopsis: 'switchyard runs [options]',
		says: 'past runs recorded under .switchyard/runs, newest first',
		examples: ['switchyard runs', 'switchyard runs --host web-1', 'switchyard runs --json'],
	},
	help: {
		synopsis: 'switchyard help [COMMAND]',
		says: "the usage, or one command's options and examples (also: switchyard COMMAND --help)",
		examples: ['switchyard help deploy', 'switchyard rollback --help'],
	},
};

export interface Arguments {
	readonly command: Command;
	/** `help deploy`, `deploy --help`: the command to explain (none: the usage). */
	readonly topic?: Command;
	readonly config: string;
	readonly hosts: string[];
	readonly tags: string[];
	/** --env NAME: only that environment's hosts. */
	readonly environment?: string;
	/** logs: keep following (-f), and how many earlier lines (-n N). */
	readonly follow: boolean;
	readonly lines?: number;
	readonly phases: Phase[];
	/** The preset the phases came from (--dry-run: dry-run…), or the phase list given with --phases. */
	readonly plan: string;
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
	readonly waves: { canary?: CanaryChoice; batch?: number | string; maxFailures?: number };
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

/** The options a command takes, as parseArgs wants them. */
function parserOptions(command: Command) {
	return Object.fromEntries(
		optionNames
			.filter((name) => (optionTable[name].takenBy as readonly Command[]).includes(command))
			.map((name) => {
				const spec: OptionSpec = optionTable[name];
				return [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }];
			}),
	);
}

/** The command word: the first argument that is neither an option nor an option's value. */
function commandWord(argv: readonly string[]): string | undefined {
	const everyOption = Object.fromEntries(
		optionNames.map((name) => {
			const spec: OptionSpec = optionTable[name];
			return [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }];
		}),
	);
	const { positionals } = parseArgs({ args: [...argv], options: everyOption, allowPositionals: true, strict: false });
	return positionals[0];
}

const commandName = (command: Command): string => (command === 'console' ? 'the console (no command)' : command);

/** `--canary goes with deploy and the console…`, or `unknown option --canry; did you mean --canary?`. */
function optionRefused(option: string, command: Command): string {
	const long = option.startsWith('--') ? option.slice(2) : optionNames.find((name) => 'short' in optionTable[name] && `-${optionTable[name].short}` === option);
	const spec = long === undefined ? undefined : (optionTable as Record<string, OptionSpec>)[long];
	if (spec) {
		const takers = spec.takenBy.map(commandName);
		const where = takers.length > 1 ? `${takers.slice(0, -1).join(', ')} and ${takers.at(-1)}` : takers[0];
		return `${option} goes with ${where}, not ${commandName(command)}${command === 'console' ? '' : ` (switchyard help ${command} lists what it takes)`}`;
	}
	const own = Object.keys(parserOptions(command)).map((name) => `--${name}`);
	return `unknown option ${option}${didYouMean(option, own)}`;
}

export function parseArguments(argv: readonly string[]): Arguments {
	const word = commandWord(argv);
	if (word !== undefined && !(commands as readonly string[]).includes(word)) {
		throw new UsageError(`unknown command ${JSON.stringify(word)}${didYouMean(word, commands)} (commands: ${commands.join(', ')}; none opens the console)`);
	}
	const given = (word as Command | undefined) ?? 'console';
	let parsed;
	try {
		parsed = parseArgs({ args: [...argv], options: parserOptions(given), allowPositionals: true, strict: true });
	} catch (error) {
		const message = (error as Error).message;
		const option = /^Unknown option '([^']+)'/.exec(message)?.[1];
		throw new UsageError(option ? optionRefused(option, given) : message.replace(/\. To specify.*$/s, ''));
	}
	const values = parsed.values as Partial<Record<OptionName, string | boolean | string[]>>;
	const text = (name: OptionName) => values[name] as string | undefined;
	const flag = (name: OptionName) => values[name] === true;
	const list = (name: OptionName) => (values[name] as string[] | undefined) ?? [];
	const [, ...extra] = parsed.positionals;
	const topic = given === 'help' ? extra.shift() : undefined;
	if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
	if (topic !== undefined && !(commands as readonly string[]).includes(topic)) {
		throw new UsageError(`no command ${JSON.stringify(topic)} to explain${didYouMean(topic, commands)} (commands: ${commands.join(', ')})`);
	}
	// `deploy --help` is `help deploy`.
	const command: Command = flag('help') ? 'help' : given;
	const helpTopic = flag('help') ? (given === 'console' || given === 'help' ? (topic as Command | undefined) : given) : (topic as Command | undefined);

	const modes = (['dry-run', 'build-only', 'skip-build'] as const).filter((mode) => flag(mode));
	if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} can't be combined`);
	if (text('phases') && modes.length > 0) throw new UsageError(`--phases and --${modes[0]} can't be combined`);
	const jobs = wholeNumber(text('jobs'), '--jobs', 1);
	const to = text('to') === undefined ? undefined : Number(text('to'));
	if (to !== undefined && !(Number.isInteger(to) && to >= 1)) throw new UsageError(`--to takes a generation number, not ${JSON.stringify(text('to'))}`);
	if (to !== undefined && text('release')) throw new UsageError("--to and --release can't be combined");
	const lines = text('lines') === undefined ? undefined : Number(text('lines'));
	if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0)) throw new UsageError(`-n takes a number of lines, not ${JSON.stringify(text('lines'))}`);
	if (flag('retry') && (text('phases') || modes.length > 0)) throw new UsageError(`--retry uses the retried run's phases; leave out ${text('phases') ? '--phases' : `--${modes[0]}`}`);

	let canary: CanaryChoice | undefined;
	try {
		canary = text('canary') === undefined ? undefined : parseCanary(text('canary')!);
	} catch (error) {
		if (error instanceof CanaryError) throw new UsageError(error.message);
		throw error;
	}
	const maxFailures = wholeNumber(text('max-failures'), '--max-failures', 1);
	const batchText = text('batch');
	const batch = batchText === undefined ? undefined : /^([1-9][0-9]?|100)%$/.test(batchText) ? batchText : wholeNumber(batchText, '--batch', 1);

	const preset = modes[0] === 'dry-run' ? 'dry-run' : modes[0] === 'build-only' ? 'build-only' : modes[0] === 'skip-build' ? 'quick' : 'full';
	const phases: Phase[] = text('phases') ? parsePhaseList(text('phases')!) : [...presets[preset]];
	return {
		command,
		...(helpTopic === undefined ? {} : { topic: helpTopic }),
		config: text('config') ?? defaultConfig,
		hosts: list('host'),
		tags: list('tag'),
		...(text('env') === undefined ? {} : { environment: text('env')! }),
		follow: flag('follow'),
		...(lines === undefined ? {} : { lines }),
		phases,
		plan: text('phases') ? phases.join(',') : preset,
		skips: { frontend: flag('skip-frontend'), backend: flag('skip-backend'), services: flag('skip-services') },
		jobs,
		yes: flag('yes'),
		json: flag('json'),
		to,
		release: text('release'),
		sshConfig: text('ssh-config'),
		acceptNewHostKeys: flag('accept-new-host-keys'),
		breakLock: flag('break-lock'),
		retry: flag('retry'),
		waves: { canary, batch, maxFailures },
		verbose: flag('verbose'),
		version: flag('version'),
	};
}

function wholeNumber(text: string | undefined, flag: string, min: number): number | undefined {
	if (text === undefined) return undefined;
	const value = Number(text);
	if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} takes a whole number of ${min} or more${flag === '--batch' ? ' or a percentage like 25%' : ''}, not ${JSON.stringify(text)}`);
	return value;
}

/** `switchyard help deploy`: what the command does, every option it takes (from the table), examples. */
export function commandUsage(command: Command): string {
	const help = commandHelp[command];
	const taken = optionNames.filter((name) => (optionTable[name].takenBy as readonly Command[]).includes(command));
	const rows = taken.map((name) => {
		const spec: OptionSpec = optionTable[name];
		return [`${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.says];
	});
	const width = Math.max(...rows.map(([flag]) => flag!.length));
	return [
		`${help.synopsis}`,
		'',
		`${help.says[0]!.toUpperCase()}${help.says.slice(1)}.`,
		'',
		'Options:',
		...rows.map(([flag, says]) => `  ${flag!.padEnd(width)}  ${says}`),
		'',
		'Examples:',
		...help.examples.map((example) => `  ${example}`),
	].join('\n');
}

export const usage = `switchyard — deploy console

Usage:
  switchyard [--config FILE] [--env NAME] [--host NAME]… [--tag TAG]…   open the console (on a terminal)
  switchyard deploy       [selection] [phases] [--yes] [--jobs N] [--json]
  switchyard generations  [selection] [--json]
  switchyard rollback     [selection] (--to N | --release ID) [--yes] [--json]
  switchyard check        [selection] [--json]        one row per host: reachable, current, release, lock, disk, health
  switchyard logs         [selection] [-f] [-n N] [--json]   the services' logs (the host's logs command), per host
  switchyard runs         [selection] [--json]        past runs recorded under .switchyard/runs
  switchyard help [COMMAND]                            one command's options and examples (or COMMAND --help)

Selection:  --host NAME (repeatable), --tag TAG (repeatable), --env NAME (one environment's hosts);
            none = every host
Phases:     --phases build,preflight,upload,switch,validate | --dry-run (build+preflight)
            --build-only | --skip-build (quick: no build, deploy the existing artifact)
Skips:      --skip-frontend  --skip-backend (binaries)  --skip-services (restarts)
Waves:      --canary @TAG|NAME,…|N (switch and validate these hosts first)  --batch N|N% (then this many at a time)
            --max-failures N (stop switching once N hosts failed)
Locks:      --break-lock (remove a held lock first; recorded in switches.log)
Retry:      deploy --retry (the failed hosts of the last deploy that switched or failed any, same release;
            dry runs and runs refused by a lock are passed over; refused if the artifact changed)
Other:      --config FILE (default ./hosts.toml)  --ssh-config FILE  --accept-new-host-keys
            --yes (switch without asking; needed without a terminal)  --json (one object per line)
            --verbose (summaries list every host; else hosts that ended ok are one counted line)
Each command takes only its own options (switchyard help COMMAND lists them); the console takes
the selection, phases, skips, waves, --jobs and the SSH options.

Exit status: 0 every host ended as asked · 1 a host failed, was rolled back or needs manual intervention
             2 bad arguments or config, nothing ran · 3 hosts left staged (confirmation declined, waves stopped)
             or a rollback not confirmed (it prints where each host would go)
             130 cancelled (Ctrl-C) · 143 SIGTERM · 129 SIGHUP · 141 output closed (e.g. | head)`;
