import * as z from 'zod';
import { strategyNames } from '../engine/strategies/names.js';

// A config is parsed once per start: zod's generated parsers (new Function, never code-cached)
// cost more to build than they save.
z.config({ jitless: true });

/*
 * The shape of hosts.toml. Every name that ends up inside a shell command on a host is held to
 * a pattern here, so a typo or a hostile value is refused before anything runs.
 */

const name = (what: string) =>
	z
		.string()
		.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, `${what} must be letters, digits, ".", "_" or "-" (e.g. "web-1")`);

export const hostName = name('a host name');
export const tagName = name('a tag');
export const serviceName = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$/, 'a service name must be letters, digits, "@", ".", "_", ":" or "-" (e.g. "oqto" or "app@1")');
export const binaryName = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'a binary name must be a plain file name (e.g. "oqto-runner")');
export const relativePath = z
	.string()
	.regex(
		/^(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
		'must be a relative path of letters, digits, ".", "_", "-" and "/", without ".." (e.g. "logs" or "data/uploads")',
	);
export const pathValue = z
	.string()
	.min(1, 'must not be empty')
	.regex(/^[^\0\n'"`$\\;&|<>*?]+$/, 'must be a plain path without quotes, "$", "`", ";", "&", "|", "<", ">", "*", "?" or newlines');
export const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an env key must be a shell variable name (e.g. "DATABASE_URL")');
export const sshTarget = z
	.string()
	.regex(/^([A-Za-z0-9._-]+@)?[A-Za-z0-9._:[\]-]+$/, 'ssh must be an alias from ~/.ssh/config or user@host[:port] (e.g. "deploy@10.0.0.5:2222")');

/** Node's timers overflow past 2^31 ms (~24.8 days) and fire at once: deadlines are held to a week. */
const maxSeconds = 7 * 24 * 3600;
const seconds = z.number().positive('must be a positive number of seconds').max(maxSeconds, `must be at most ${maxSeconds} seconds (a week)`);

const command = z.string().min(1, 'must not be empty (leave the key out instead)');

const httpUrl = z.string().regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, 'must be an http(s) URL, e.g. "http://127.0.0.1:8080/health"');
const httpCheck = z.union([
	httpUrl,
	z.strictObject({
		url: httpUrl,
		expect: z.string().optional(),
		status: z.number().int().min(100).max(599).optional(),
	}),
]);

export const healthSchema = z.strictObject({
	/** Shell command run on the host; exit 0 = healthy. */
	command: z.union([command, z.array(command)]).optional(),
	/** URLs fetched from the machine running Switchyard; 2xx (or `status`) = healthy. */
	http: z.array(httpCheck).optional(),
	/** Text the HTTP body must contain; `{version}` is the release being validated. */
	expect: z.string().optional(),
	timeout: seconds.optional(),
	retries: z.number().int().min(0, 'must be 0 or more').optional(),
	interval: seconds.optional(),
	/** `systemctl is-active` for each of the host's services (Seance). */
	services_active: z.boolean().optional(),
});

/**
 * A value, or where to get it on the operator's machine at deploy time: the output of a command
 * (`pass show …`, `op read …`) or a variable of the operator's environment. Those two are
 * secrets unless `secret = false`.
 */
const envValue = z.union([
	z.string(),
	z.number().transform(String),
	z.boolean().transform(String),
	z.strictObject({ value: z.string(), secret: z.boolean().optional() }),
	z.strictObject({ command: command, secret: z.boolean().optional() }),
	z.strictObject({ from_env: envKey, secret: z.boolean().optional() }),
]);
export const envSchema = z.record(envKey, envValue);

/** Everything a host can set; `[defaults]` takes the same keys. */
const hostSettings = {
	root: pathValue.optional(),
	strategy: z.enum(strategyNames).optional(),
	/** nix: the profile whose generations are the host's (default the NixOS system profile). */
	profile: pathValue.optional(),
	/** script: the deploy script on the host, run with --config <json>; {service} runs it per service. */
	script: command.optional(),
	/** The OS user that owns the deployment: generations and shared dirs are its, restarts, hooks and logs run as it. */
	user: name('a user name').optional(),
	/** script: the deploy script runs as this user (sudo -n -u), its config readable by it alone. */
	run_as: name('a user name').optional(),
	/** Which [environments.<name>] this host belongs to (its env values, secrets and settings). */
	environment: name('an environment name').optional(),
	mode: z.enum(['local', 'multi-user']).optional(),
	frontend: z.boolean().optional(),
	web_root: pathValue.optional(),
	frontend_dir: relativePath.optional(),
	binaries: z.array(binaryName).optional(),
	bin_dir: relativePath.optional(),
	bin_prefix: pathValue.optional(),
	services: z.array(serviceName).optional(),
	runners: z.array(binaryName).optional(),
	restart: command.optional(),
	logs: command.optional(),
	dry_run: command.optional(),
	after_switch: z.array(command).optional(),
	shared: z.array(relativePath).optional(),
	health: healthSchema.optional(),
	env: envSchema.optional(),
	min_free_mb: z.number().min(0, 'must be 0 or more').optional(),
	stale_lock_minutes: z.number().positive('must be a positive number of minutes').max(maxSeconds / 60, 'must be at most a week of minutes').optional(),
	watchdog: z.boolean().optional(),
	confirm_timeout: seconds.optional(),
	/** Seconds: any remote script without a deadline of its own (lock, inspect, cleanup). */
	command_timeout: seconds.optional(),
	/** Seconds: the switch (swap, installs, restarts, after_switch hooks). */
	switch_timeout: seconds.optional(),
	dry_run_timeout: seconds.optional(),
	upload_timeout: seconds.optional(),
	/** Let artifact symlinks point outside the artifact (e.g. to /etc/ssl). */
	allow_external_links: z.boolean().optional(),
	tags: z.array(tagName).optional(),
} as const;

export const hostSchema = z
	.strictObject({
		name: hostName,
		ssh: sshTarget.optional(),
		local: z.boolean().optional(),
		...hostSettings,
	})
	.refine((h) => h.local === true || h.ssh !== undefined, {
		message: 'needs ssh = "alias" or "user@host", or local = true',
		path: ['ssh'],
	})
	.refine((h) => !h.frontend || h.web_root !== undefined, {
		message: 'frontend = true needs web_root = "/var/www/<app>"',
		path: ['web_root'],
	});

export const batchSize = z.union([
	z.number().int().min(1, 'must be 1 or more'),
	z.string().regex(/^([1-9][0-9]?|100)%$/, 'must be a number of hosts or a percentage like "25%"'),
]);

export const defaultsSchema = z.strictObject({
	jobs: z.number().int().min(1, 'must be 1 or more').max(256, 'must be at most 256').optional(),
	canary: z.number().int().min(0, 'must be 0 or more').optional(),
	batch: batchSize.optional(),
	max_failures: z.number().int().min(1, 'must be 1 or more').optional(),
	...hostSettings,
});

/**
 * `[environments.<name>]`: what the hosts with `environment = "<name>"` get on top of
 * [defaults]: env values and secrets, health, any host setting. `production = true` makes the
 * console show it in red (the default for an environment named production or prod).
 */
export const environmentSchema = z
	.strictObject({
		production: z.boolean().optional(),
		...hostSettings,
	})
	.omit({ environment: true });

export const configSchema = z.strictObject({
	app: z
		.strictObject({
			name: name('the app name'),
			keep: z.number().int().min(2, 'must be at least 2 (current and previous are always kept)').optional(),
		})
		.optional(),
	build: z
		.strictObject({
			command: command.optional(),
			artifact: pathValue,
			cwd: pathValue.optional(),
			/** Per-host builds run at most this many at once (default: CPU count; --jobs overrides). */
			jobs: z.number().int().min(1, 'must be 1 or more').max(256, 'must be at most 256').optional(),
		})
		.optional(),
	environments: z.record(name('an environment name'), environmentSchema).optional(),
	defaults: defaultsSchema.optional(),
	health: healthSchema.optional(),
	env: envSchema.optional(),
	host: z.array(hostSchema).min(1, 'needs at least one [[host]] block'),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawHost = z.infer<typeof hostSchema>;
export type RawHealth = z.infer<typeof healthSchema>;
