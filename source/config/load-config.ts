import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { healthSchema, resolveHealth } from './health-checks.js';
import { resolveStrategySettings, strategyProblems } from './strategies.js';
import { configSchema, defaultsSchema, environmentSchema, hostSchema, type RawConfig, type RawHost } from './schema.js';
import { indexKeyLines, locateKey, type KeyPath } from './locate-key.js';
import type { Config, EnvironmentConfig, EnvValue, HostConfig, StoreConfig } from './types.js';
import { canaryTargets, unknownCanaryTargets } from './canary.js';
import { closestWords } from './did-you-mean.js';

/** One problem in hosts.toml, located. Printed as `file:line: key: message`. */
export interface ConfigProblem {
	readonly file: string;
	readonly line?: number;
	readonly key: string;
	readonly message: string;
}

export class ConfigError extends Error {
	constructor(readonly problems: readonly ConfigProblem[]) {
		super(problems.map(formatProblem).join('\n'));
		this.name = 'ConfigError';
	}
}

export const formatProblem = (problem: ConfigProblem): string =>
	`${problem.file}${problem.line === undefined ? '' : `:${problem.line}`}: ${problem.key ? `${problem.key}: ` : ''}${problem.message}`;

const restartByMode: Record<'default' | 'local' | 'multi-user', string> = {
	default: 'systemctl restart {service}',
	// Oqto's services are systemd user units.
	local: 'systemctl --user restart {service}',
	'multi-user': 'systemctl --user restart {service}',
};
const logsByMode: Record<'default' | 'local' | 'multi-user', string> = {
	default: 'journalctl -u {service} -f -n 50',
	local: 'journalctl --user -u {service} -f -n 50',
	'multi-user': 'journalctl --user -u {service} -f -n 50',
};

export function loadConfig(file: string): Config {
	const absolute = path.resolve(file);
	let text: string;
	try {
		text = readFileSync(absolute, 'utf8');
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (pass --config FILE, or run where hosts.toml is)' : String((error as Error).message);
		throw new ConfigError([{ file: absolute, key: '', message: reason }]);
	}
	return parseConfig(text, absolute);
}

export function parseConfig(text: string, file: string): Config {
	let document: unknown;
	try {
		document = parse(text);
	} catch (error) {
		if (error instanceof TomlError) {
			const firstLine = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
			throw new ConfigError([{ file, line: error.line, key: '', message: `not valid TOML: ${firstLine}` }]);
		}
		throw error;
	}

	const lines = indexKeyLines(text);
	const result = configSchema.safeParse(document, { reportInput: true });
	if (!result.success) throw new ConfigError(describeIssues(result.error.issues, text, lines, file));

	const problems = [...duplicateHostNames(result.data, lines, file), ...misplacedStrategySettings(result.data, lines, file), ...unknownEnvironments(result.data, lines, file), ...pullWithoutStore(result.data, lines, file)];
	if (problems.length > 0) throw new ConfigError(problems);
	const config = resolveConfig(result.data, file);
	const placement = [...misplacedPaths(config, result.data, lines, file), ...unknownCanaries(config, lines, file)];
	if (placement.length > 0) throw new ConfigError(placement);
	return config;
}

/**
 * web_root is emptied before every frontend sync and bin_prefix is written into: on a remote host
 * a relative path would be taken inside the generation (the switch runs there), and a path that
 * overlaps the root would let a sync delete generations. Local hosts resolve relative paths
 * against the config file's directory, so they are absolute by then.
 */
function misplacedPaths(config: Config, raw: RawConfig, lines: KeyLines, file: string): ConfigProblem[] {
	const keys = [['web_root', 'webRoot'], ['bin_prefix', 'binPrefix']] as const;
	return config.hosts.flatMap((host, index) =>
		keys.flatMap(([key, field]) => {
			const value = host[field];
			if (value === undefined) return [];
			const rawValue = mergedSettings(raw, raw.host[index]!)[key];
			const where = { file, line: settingLine(lines, raw, index, key), key: `[[host]] "${host.name}" ${key}` };
			if (!value.startsWith('/')) return [{ ...where, message: `must be an absolute path on an SSH host (found ${JSON.stringify(rawValue ?? value)}), e.g. ${key === 'web_root' ? '"/var/www/app"' : '"/usr/local/bin"'}` }];
			if (host.root.startsWith('/') && pathsOverlap(value, host.root)) {
				return [{ ...where, message: `${JSON.stringify(value)} overlaps the host's root ${JSON.stringify(host.root)}; it must be outside it (and not contain it), e.g. ${key === 'web_root' ? '"/var/www/app"' : '"/usr/local/bin"'}` }];
			}
			return [];
		}),
	);
}

/** A canary named by host or @tag must name one of the config's: a typo would silently mean "no canary". */
function unknownCanaries(config: Config, lines: KeyLines, file: string): ConfigProblem[] {
	const unknown = unknownCanaryTargets(config.waves.canary, config.hosts);
	if (unknown.length === 0) return [];
	const valid = canaryTargets(config.hosts);
	const guesses = unknown.flatMap((target) => closestWords(target, valid).slice(0, 1));
	return [
		{
			file,
			line: locateKey(lines, ['defaults', 'canary']),
			key: 'defaults.canary',
			message: `${unknown.map((target) => JSON.stringify(target)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} no host or @tag of this config${guesses.length > 0 ? ` (did you mean ${guesses.map((guess) => JSON.stringify(guess)).join(', ')}?)` : ''}; hosts and tags: ${valid.join(', ')}`,
		},
	];
}

/** One path is the other or lies inside it. */
function pathsOverlap(a: string, b: string): boolean {
	const [x, y] = [path.posix.resolve(a), path.posix.resolve(b)];
	const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
	return within(x, y) || within(y, x);
}

function describeIssues(issues: readonly z.core.$ZodIssue[], text: string, lines: KeyLines, file: string): ConfigProblem[] {
	return issues.flatMap((issue) => {
		const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
		return keys.map((keyPath) => ({
			file,
			line: locateKey(lines, keyPath as KeyPath),
			key: displayKey(keyPath as KeyPath, text),
			message: explain(issue, keyPath as KeyPath),
		}));
	});
}

/** host[2].binaries[0] is shown as `host "web-2" → binaries[0]` when the host has a name. */
function displayKey(keyPath: KeyPath, text: string): string {
	const [head, index, ...rest] = keyPath;
	if (head === 'host' && typeof index === 'number') {
		const hostName = hostNameAt(text, index);
		const label = hostName ? `[[host]] "${hostName}"` : `[[host]] #${index + 1}`;
		return rest.length > 0 ? `${label} ${joinKey(rest)}` : label;
	}
	return joinKey(keyPath);
}

const joinKey = (keyPath: KeyPath): string =>
	keyPath.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');

function hostNameAt(text: string, index: number): string | undefined {
	try {
		const document = parse(text) as { host?: { name?: unknown }[] };
		const name = document.host?.[index]?.name;
		return typeof name === 'string' ? name : undefined;
	} catch {
		return undefined;
	}
}

/** "a, b and c". */
const inWords = (words: readonly string[]): string => (words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : (words[0] ?? ''));

/** A section that takes the [[host]] keys (all but a few) and its own. */
function hostKeysAnd(shape: object): string {
	const keys = Object.keys(shape);
	const hostKeys = Object.keys(hostSchema.shape);
	const own = keys.filter((key) => !hostKeys.includes(key));
	return `${own.join(', ')} and every [[host]] key but ${inWords(hostKeys.filter((key) => !keys.includes(key)))}`;
}

/** Read from the schema, so a key added there is listed here too. */
const allowedKeys: Record<string, string> = {
	'': Object.keys(configSchema.shape).join(', '),
	app: Object.keys(configSchema.shape.app.unwrap().shape).join(', '),
	build: Object.keys(configSchema.shape.build.unwrap().shape).join(', '),
	store: Object.keys(configSchema.shape.store.unwrap().shape).join(', '),
	health: Object.keys(healthSchema.shape).join(', '),
	host: Object.keys(hostSchema.shape).join(', '),
	defaults: hostKeysAnd(defaultsSchema.shape),
	environments: hostKeysAnd(environmentSchema.shape),
};

function explain(issue: z.core.$ZodIssue, keyPath: KeyPath): string {
	if (issue.code === 'unrecognized_keys') {
		const names = issue.path.filter((part) => typeof part === 'string');
		const parent = names[0] === 'environments' && names.length === 2 ? 'environments' : names.at(-1);
		const section = typeof parent === 'string' ? parent : '';
		const allowed = allowedKeys[section];
		return `unknown key${allowed ? `; allowed here: ${allowed}` : ''}`;
	}
	if (issue.code === 'invalid_type') {
		const expected = issue.expected === 'array' ? 'a list, e.g. ["a", "b"]' : issue.expected;
		if (issue.input === undefined) return `is required (${expected})`;
		return `expected ${expected}, found ${describeValue(issue.input)}`;
	}
	if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, found ${describeValue(issue.input)}`;
	if (issue.code === 'invalid_key') return `${issue.issues[0]?.message ?? 'invalid key'}, found ${JSON.stringify(keyPath.at(-1))}`;
	if (issue.code === 'invalid_union') return `${unionForms[unionKind(keyPath)]}; found ${describeValue(issue.input)}`;
	const found = issue.input === undefined ? '' : `, found ${describeValue(issue.input)}`;
	return `${issue.message}${found}`;
}

const unionForms = {
	http: 'each check is a URL string or { url = "…", expect = "…" }',
	env: 'an env value is a string, number, boolean, { value = "…", secret = true }, { command = "pass show …" } or { from_env = "VARIABLE" }',
	batch: 'batch is a number of hosts or a percentage like "25%"',
	canary: 'canary is a number of hosts, a host name or @tag, or a list of them, e.g. 1, "@canary" or ["web-1", "web-2"]',
	command: 'a command is a string or a list of strings',
	other: 'has the wrong form',
} as const;

function unionKind(keyPath: KeyPath): keyof typeof unionForms {
	const names = keyPath.filter((part): part is string => typeof part === 'string');
	if (names.includes('http')) return 'http';
	if (names.includes('env')) return 'env';
	if (names.at(-1) === 'batch') return 'batch';
	if (names.at(-1) === 'canary') return 'canary';
	if (names.at(-1) === 'command') return 'command';
	return 'other';
}

function describeValue(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
	if (Array.isArray(value)) return 'a list';
	if (value !== null && typeof value === 'object') return 'a table';
	return String(value);
}

function duplicateHostNames(config: RawConfig, lines: KeyLines, file: string): ConfigProblem[] {
	const seen = new Map<string, number>();
	return config.host.flatMap((host, index) => {
		const first = seen.get(host.name);
		seen.set(host.name, first ?? index);
		if (first === undefined) return [];
		return [{ file, line: locateKey(lines, ['host', index, 'name']), key: `[[host]] #${index + 1} name`, message: `"${host.name}" is already the name of [[host]] #${first + 1}; names must be unique` }];
	});
}

/** A host's settings as [defaults], its environment and its own block say, before paths are resolved. */
function mergedSettings(config: RawConfig, host: RawHost) {
	const environment = host.environment ?? config.defaults?.environment;
	const layer = environment === undefined ? undefined : config.environments?.[environment];
	return { ...config.defaults, ...layer, ...host, environment };
}

type KeyLines = ReturnType<typeof indexKeyLines>;

/**
 * Where a host's setting is written, in the order mergedSettings lets one outrank another: its
 * own block, its [environments.<name>] table, [defaults]; else the host's [[host]] header.
 */
function settingLine(lines: KeyLines, config: RawConfig, index: number, key: string): number | undefined {
	const host = config.host[index];
	const environment = host?.environment ?? config.defaults?.environment;
	const places: KeyPath[] = [['host', index, key], ...(environment === undefined ? [] : [['environments', environment, key]]), ['defaults', key]];
	// Exact keys: locateKey would answer a missing key with its table's header and end the search there.
	for (const place of places) {
		const line = lines.get(place.join('.'));
		if (line !== undefined) return line;
	}
	return locateKey(lines, ['host', index]);
}

/** [defaults] and environments can set the strategy, so its settings are checked after merging. */
function misplacedStrategySettings(config: RawConfig, lines: KeyLines, file: string): ConfigProblem[] {
	return config.host.flatMap((host, index) =>
		strategyProblems(mergedSettings(config, host)).map((problem) => ({ file, line: settingLine(lines, config, index, problem.at), key: `[[host]] "${host.name}" ${problem.key}`, message: problem.message })),
	);
}

/** A host naming an environment that has no [environments.<name>] table is a typo until proven otherwise. */
function unknownEnvironments(config: RawConfig, lines: KeyLines, file: string): ConfigProblem[] {
	const known = Object.keys(config.environments ?? {});
	return config.host.flatMap((host, index) => {
		const environment = host.environment ?? config.defaults?.environment;
		if (environment === undefined || known.includes(environment)) return [];
		const line = settingLine(lines, config, index, 'environment');
		const listed = known.length > 0 ? `; environments: ${known.join(', ')}` : '';
		return [{ file, line, key: `[[host]] "${host.name}" environment`, message: `"${environment}" is not defined: add an [environments.${environment}] table (it may be empty)${listed}` }];
	});
}

/** A host that must pull has nowhere to pull from without a [store]. */
function pullWithoutStore(config: RawConfig, lines: KeyLines, file: string): ConfigProblem[] {
	if (config.store) return [];
	return config.host.flatMap((host, index) => {
		if (mergedSettings(config, host).pull !== 'always') return [];
		const line = settingLine(lines, config, index, 'pull');
		return [{ file, line, key: `[[host]] "${host.name}" pull`, message: 'pull = "always" needs a [store] to pull from: add [store] url = "s3://<bucket>/<prefix>", or leave pull out to push over SSH' }];
	});
}

/** `s3://bucket/some/prefix/` → bucket "bucket", prefix "some/prefix". */
function resolveStore(raw: NonNullable<RawConfig['store']>): StoreConfig {
	const [bucket = '', ...rest] = raw.url.slice('s3://'.length).split('/');
	// S3-compatible servers mostly ignore the region, but SigV4 signs one.
	const region = raw.region ?? (raw.endpoint === undefined ? undefined : 'us-east-1');
	return {
		url: raw.url,
		bucket,
		prefix: rest.filter(Boolean).join('/'),
		...(raw.endpoint === undefined ? {} : { endpoint: raw.endpoint.replace(/\/$/, '') }),
		...(region === undefined ? {} : { region }),
		urlTtlSeconds: raw.url_ttl ?? 900,
	};
}

/**
 * Directories that hold a project's deploy config rather than name the project: Oqto keeps its
 * hosts in `oqto/deploy/hosts.toml`, whose app is "oqto", not "deploy".
 */
const configDirNames: readonly string[] = ['deploy', 'deployment', 'deployments', 'config', 'ops', 'infra', '.switchyard'];

/** The app name when [app] name is not set: the project's directory (above a `deploy/`-like one). */
function appNameFromDirectory(dir: string): string {
	const own = path.basename(dir);
	const project = configDirNames.includes(own) && path.dirname(dir) !== dir ? path.basename(path.dirname(dir)) : own;
	return project.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'app';
}

function resolveConfig(raw: RawConfig, file: string): Config {
	const dir = path.dirname(file);
	const appName = raw.app?.name ?? appNameFromDirectory(dir);
	const defaults = raw.defaults ?? {};
	const build = raw.build && {
		command: raw.build.command,
		artifact: path.resolve(dir, raw.build.artifact),
		cwd: path.resolve(dir, raw.build.cwd ?? '.'),
		perHost: `${raw.build.command ?? ''}${raw.build.artifact}`.includes('{host}'),
		...(raw.build.jobs === undefined ? {} : { jobs: raw.build.jobs }),
	};
	const hosts = raw.host.map((host) => resolveHost(host, raw, dir, appName));
	return {
		file,
		dir,
		app: { name: appName, keep: raw.app?.keep ?? 5, nameFrom: raw.app?.name === undefined ? 'directory' : 'config' },
		build,
		jobs: defaults.jobs ?? 8,
		waves: { canary: typeof defaults.canary === 'string' ? [defaults.canary] : (defaults.canary ?? 0), batch: defaults.batch, maxFailures: defaults.max_failures },
		hosts,
		...(raw.store ? { store: resolveStore(raw.store) } : {}),
		environments: resolveEnvironments(raw, hosts),
	};
}

/** An environment named production or prod stands out unless it says otherwise. */
const productionNames = new Set(['production', 'prod']);

function resolveEnvironments(raw: RawConfig, hosts: readonly HostConfig[]): Record<string, EnvironmentConfig> {
	return Object.fromEntries(
		Object.entries(raw.environments ?? {}).map(([name, table]) => [
			name,
			{ name, production: table.production ?? productionNames.has(name), hosts: hosts.filter((host) => host.environment === name).map((host) => host.name) },
		]),
	);
}

/** Oqto's multi-user mode ends the per-user runners after a switch: by default every binary named *-runner. */
const defaultRunners = (mode: string | undefined, binaries: readonly string[]): string[] => (mode === 'multi-user' ? binaries.filter((binary) => binary.endsWith('-runner')) : []);

function resolveHost(host: RawHost, raw: RawConfig, dir: string, appName: string): HostConfig {
	const merged = mergedSettings(raw, host);
	const layer = merged.environment === undefined ? undefined : raw.environments?.[merged.environment];
	const local = host.local === true;
	const modeKey = merged.mode ?? 'default';
	const root = (merged.root ?? `/opt/${appName}`).replaceAll('{host}', host.name);
	const binaries = merged.binaries ?? [];
	return {
		name: host.name,
		tags: merged.tags ?? [],
		transport: local ? { kind: 'local' } : { kind: 'ssh', target: host.ssh! },
		root: local ? path.resolve(dir, root) : root,
		...resolveStrategySettings(merged),
		rootDefaulted: merged.root === undefined,
		user: merged.user,
		...(merged.become === undefined ? {} : { become: merged.become }),
		...(merged.environment === undefined ? {} : { environment: merged.environment }),
		mode: merged.mode,
		frontend: merged.frontend ?? false,
		webRoot: merged.web_root && (local ? path.resolve(dir, merged.web_root) : merged.web_root),
		frontendDir: merged.frontend_dir ?? 'frontend',
		binaries,
		binDir: merged.bin_dir ?? 'bin',
		binPrefix: local ? path.resolve(dir, merged.bin_prefix ?? '/usr/local/bin') : (merged.bin_prefix ?? '/usr/local/bin'),
		services: merged.services ?? [],
		runners: merged.runners ?? defaultRunners(merged.mode, binaries),
		restart: merged.restart ?? restartByMode[modeKey],
		logs: merged.logs ?? logsByMode[modeKey],
		dryRun: merged.dry_run,
		afterSwitch: merged.after_switch ?? [],
		shared: merged.shared ?? [],
		health: resolveHealth(raw.health, raw.defaults?.health, layer?.health, host.health),
		env: resolveEnv(raw.env, raw.defaults?.env, layer?.env, host.env),
		minFreeMb: merged.min_free_mb ?? 64,
		staleLockMs: (merged.stale_lock_minutes ?? 60) * 60_000,
		// The watchdog guards against locking yourself out of a remote host; a local host can't be lost that way.
		watchdog: merged.watchdog ?? !local,
		confirmTimeoutMs: (merged.confirm_timeout ?? 30) * 1000,
		timeouts: {
			commandMs: (merged.command_timeout ?? 120) * 1000,
			switchMs: (merged.switch_timeout ?? 600) * 1000,
			dryRunMs: (merged.dry_run_timeout ?? 600) * 1000,
			uploadMs: (merged.upload_timeout ?? 3600) * 1000,
		},
		allowExternalLinks: merged.allow_external_links ?? false,
		// Without a store there is nothing to pull from: every host is pushed to.
		pull: raw.store ? (merged.pull ?? 'auto') : 'never',
	};
}

type RawEnv = NonNullable<RawConfig['env']>;

/** Values from a command or the operator's environment are secrets unless they say otherwise. */
function envValueOf(value: RawEnv[string]): EnvValue {
	if (typeof value === 'string') return { value, secret: false };
	if ('command' in value) return { value: '', secret: value.secret ?? true, from: { command: value.command } };
	if ('from_env' in value) return { value: '', secret: value.secret ?? true, from: { env: value.from_env } };
	return { value: value.value, secret: value.secret ?? false };
}
function resolveEnv(...layers: (RawEnv | undefined)[]): Record<string, EnvValue> {
	const env: Record<string, EnvValue> = {};
	for (const layer of layers) {
		for (const [key, value] of Object.entries(layer ?? {})) {
			env[key] = envValueOf(value);
		}
	}
	return env;
}
