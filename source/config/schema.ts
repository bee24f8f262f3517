import { z } from 'zod';
import { healthSchema } from './health-checks.js';
import { strategyKeys } from './strategies.js';
import { binaryName, command, envKey, hostName, maxSeconds, name, pathValue, relativePath, seconds, serviceName, sshTarget, tagName } from './values.js';

// A config is parsed once per start: zod's generated parsers (new Function, never code-cached)
// cost more to build than they save.
z.config({ jitless: true });

/** How a host gets the artifact when a [store] is set (see `pull` below). */
export const pullModes = ['auto', 'always', 'never'] as const;

/* The shape of hosts.toml; each value is held to its pattern in `values.ts`. */

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
	...strategyKeys,
	/** The OS user that owns the deployment: generations and shared dirs are its, restarts, hooks and logs run as it. */
	user: name('a user name').optional(),
	/** How to act as another account on the host (`user`, `run_as`, root): a command the account and the command follow, e.g. "doas -u". */
	become: z
		.string()
		.regex(/^[A-Za-z0-9_./:=+-]+( +[A-Za-z0-9_./:=+-]+)*$/, 'become is a command and its options, which the account name and the command follow, e.g. "doas -u" or "sudo -n -u"')
		.optional(),
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
	/** With [store]: the host downloads the artifact from the object store ("auto": or is pushed it over SSH when it can't). */
	pull: z.enum(pullModes).optional(),
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

/** A host name or `@tag` naming canary hosts. */
const canaryTarget = z.string().regex(/^@?[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a canary is a host name or @tag, e.g. "@canary" or "web-1"');

/**
 * `[store]`: an S3-compatible object store the hosts pull the artifact from. The bucket and a key
 * prefix in one URL; `endpoint` for servers other than AWS (MinIO, R2, Ceph); links the hosts
 * get live `url_ttl` seconds (SigV4 allows at most a week).
 */
export const storeSchema = z.strictObject({
	url: z
		.string()
		.regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*\/?$/, 'must be s3://<bucket>/<prefix> (a bucket name of lowercase letters, digits, "." and "-"; a prefix of letters, digits, ".", "_", "-" and "/"), e.g. "s3://switchyard-artifacts/shop"'),
	endpoint: z.string().regex(/^https?:\/\/[^\s/?#]+\/?$/, 'must be an http(s) URL of the server alone, e.g. "http://127.0.0.1:9000" or "https://<account>.r2.cloudflarestorage.com"').optional(),
	region: z.string().regex(/^[a-z0-9-]{2,32}$/, 'must be a region name, e.g. "us-east-1" (R2: "auto")').optional(),
	url_ttl: z.number().int('must be a whole number of seconds').min(1, 'must be at least 1 second').max(604800, 'must be at most 604800 seconds (a week: the most SigV4 allows)').optional(),
});

export const batchSize = z.union([
	z.number().int().min(1, 'must be 1 or more'),
	z.string().regex(/^([1-9][0-9]?|100)%$/, 'must be a number of hosts or a percentage like "25%"'),
]);

export const defaultsSchema = z.strictObject({
	jobs: z.number().int().min(1, 'must be 1 or more').max(256, 'must be at most 256').optional(),
	/** A count, or host names and @tags: which hosts switch first. */
	canary: z.union([z.number().int().min(0, 'must be 0 or more'), canaryTarget, z.array(canaryTarget).min(1, 'needs at least one host name or @tag')]).optional(),
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
	store: storeSchema.optional(),
	defaults: defaultsSchema.optional(),
	health: healthSchema.optional(),
	env: envSchema.optional(),
	host: z.array(hostSchema).min(1, 'needs at least one [[host]] block'),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawHost = z.infer<typeof hostSchema>;
