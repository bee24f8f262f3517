import { ConfigError, loadConfig } from './config/load-config.js';
import type { Config, HostConfig } from './config/types.js';
import { SelectionError, selectHosts } from './engine/plan.js';
import { transportFactory } from './transport/open-transport.js';
import { commandUsage, parseArguments, usage, UsageError, type Arguments } from './cli/arguments.js';
import { canaryTargets, unknownCanaryTargets } from './config/canary.js';
import { didYouMean } from './config/did-you-mean.js';
import { exitCodes } from './engine/outcome/exit-code.js';
import { Output } from './cli/output.js';
import { EnvironmentError, selectEnvironment } from './config/select-environment.js';
import { onInterruption } from './cli/interruptions.js';

const version = '0.1.0';

async function main(argv: readonly string[]): Promise<number> {
	let args: Arguments;
	try {
		args = parseArguments(argv);
	} catch (error) {
		if (!(error instanceof UsageError || error instanceof SelectionError)) throw error;
		process.stderr.write(`switchyard: ${error.message}\n(see switchyard --help)\n`);
		return 2;
	}
	if (args.version) return print(`switchyard ${version}\n`);
	if (args.command === 'help') return print(`${args.topic === undefined ? usage : commandUsage(args.topic)}\n`);

	let config: Config;
	let hosts: HostConfig[];
	// Every environment's hosts, for the console's picker; `config` is narrowed to --env's.
	let everyEnvironment: Config;
	try {
		config = everyEnvironment = loadConfig(args.config);
		if (args.environment !== undefined) config = selectEnvironment(config, args.environment);
		hosts = selectHosts(config, args.hosts, args.tags);
		checkCanary(args, config);
	} catch (error) {
		if (!(error instanceof ConfigError || error instanceof SelectionError || error instanceof EnvironmentError)) throw error;
		process.stderr.write(`switchyard: ${error instanceof ConfigError ? 'invalid config, nothing was run:\n' : ''}${error.message}\n`);
		return 2;
	}
	const stdout = new Output(process.stdout);
	// --host, --tag and --env narrow the runs to those that touched one of the chosen hosts.
	const narrowed = args.environment !== undefined || args.hosts.length + args.tags.length > 0;
	if (args.command === 'runs') return (await import('./cli/list-runs-command.js')).printRuns(config, args.json, (text) => stdout.write(text), narrowed ? hosts.map((host) => host.name) : undefined);

	const ssh = { configFile: args.sshConfig, acceptNewHostKeys: args.acceptNewHostKeys };
	if (args.command === 'console') {
		// Without a terminal a bare `switchyard` must not deploy anything: the console needs one.
		if (!(process.stdin.isTTY === true && process.stdout.isTTY === true)) {
			process.stderr.write(`switchyard: the console needs a terminal (no terminal on ${process.stdin.isTTY ? 'stdout' : 'stdin'}); nothing was run. Headless, name a command:\n\n${usage}\n`);
			return exitCodes.usage;
		}
		// A config with environments opens on one of them, asked first unless the command line chose;
		// `E` in the console comes back here to ask again.
		const environments = Object.keys(everyEnvironment.environments ?? {}).length > 0;
		let ask = environments && args.environment === undefined && args.hosts.length + args.tags.length === 0;
		let code: number = exitCodes.ok;
		for (;;) {
			let opened = config;
			if (ask) {
				const { pickEnvironment } = await import('./app/environment/environment-picker.js');
				const picked = await pickEnvironment(everyEnvironment);
				if (picked === null) return code;
				opened = picked;
			}
			// Loaded only for the console, so headless runs never parse Ink and React.
			const { runConsole } = await import('./app/run-console.js');
			const exit = await runConsole({
				config: opened,
				preselect: { hosts: args.hosts, tags: args.tags },
				openTransport: transportFactory(ssh),
				jobs: args.jobs,
				environments,
				onInterruption,
				verbose: args.verbose,
				// The console starts with every deploy flag it was given: the plan, skips and waves.
				plan: { name: args.plan, phases: args.phases },
				skips: args.skips,
				waves: args.waves,
			});
			code = exit.code;
			if (!exit.switchEnvironment) return code;
			ask = true;
		}
	}

	// e.g. "Permanently added [10.0.0.5]:2222 (ssh-ed25519 SHA256:…) to ~/.ssh/known_hosts", as OpenSSH says it.
	const openTransport = transportFactory({ ...ssh, onNotice: (message) => process.stderr.write(`switchyard: ${message}\n`) });
	// Loaded only headless, as the console is only for the console: each path parses what it runs.
	const [{ headlessCheck, headlessDeploy, headlessGenerations, headlessRollback }, { printLogs }] = await Promise.all([import('./cli/run-headless.js'), import('./cli/logs-command.js')]);
	const context = { args, config, hosts, openTransport, stdout, stderr: process.stderr, stdin: process.stdin };
	const commands = {
		logs: () => printLogs({ config, hosts, openTransport, follow: args.follow, json: args.json, ...(args.lines === undefined ? {} : { lines: args.lines }), jobs: args.jobs, stdout }),
		deploy: () => headlessDeploy(context),
		rollback: () => headlessRollback(context),
		generations: () => headlessGenerations(context),
		check: () => headlessCheck(context),
	};
	return commands[args.command]();
}

/** `--canary web-9` names a host of this config (or `@tag` a tag), or nothing runs. */
function checkCanary(args: Arguments, config: Config): void {
	const canary = args.waves.canary;
	if (canary === undefined) return;
	const unknown = unknownCanaryTargets(canary, config.hosts);
	if (unknown.length === 0) return;
	const valid = canaryTargets(config.hosts);
	throw new SelectionError(`--canary ${unknown.join(',')}: no such host or @tag in ${config.file}${didYouMean(unknown[0]!, valid)} (hosts and tags: ${valid.join(', ')})`);
}

function print(text: string): number {
	process.stdout.write(text);
	return 0;
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`switchyard: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exitCode = 70;
	},
);
