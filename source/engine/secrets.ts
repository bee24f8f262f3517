import { execa } from 'execa';
import type { EnvSource, EnvValue, HostConfig } from '../config/types.js';

/** One value a host needs that could not be had: its name and why, never the value. */
export interface MissingValue {
	readonly host: string;
	readonly key: string;
	readonly why: string;
}

export interface ResolvedHosts {
	/** Every host with its values filled in (a host with a missing one keeps it empty). */
	readonly hosts: readonly HostConfig[];
	readonly missing: readonly MissingValue[];
}

export interface ResolveOptions {
	/** Where commands run: the config's directory. */
	readonly cwd: string;
	/** The operator's environment (process.env). */
	readonly env: Readonly<Record<string, string | undefined>>;
	readonly signal?: AbortSignal;
}

/** A command that outlives this is stopped: a secret manager waiting for a prompt nobody sees. */
const commandTimeoutMs = 60_000;

/**
 * Fills in the values that come from the operator's machine (`{ command = "pass show …" }`,
 * `{ from_env = "VAR" }`), once per run: a command shared by many hosts runs once. Commands run
 * with no terminal (a secret manager must use its agent); their output, less one trailing
 * newline, is the value. Nothing is resolved for hosts that need nothing.
 */
export async function resolveValues(hosts: readonly HostConfig[], options: ResolveOptions): Promise<ResolvedHosts> {
	const outputs = new Map<string, Promise<Outcome>>();
	const fetch = (source: EnvSource): Promise<Outcome> => {
		const key = 'command' in source ? `command:${source.command}` : `env:${source.env}`;
		let outcome = outputs.get(key);
		if (!outcome) {
			outcome = 'command' in source ? runCommand(source.command, options) : Promise.resolve(readVariable(source.env, options.env));
			outputs.set(key, outcome);
		}
		return outcome;
	};
	const missing: MissingValue[] = [];
	const resolved = await Promise.all(
		hosts.map(async (host) => {
			if (!Object.values(host.env).some((value) => value.from)) return host;
			const entries = await Promise.all(
				Object.entries(host.env).map(async ([key, value]): Promise<[string, EnvValue]> => {
					if (!value.from) return [key, value];
					const outcome = await fetch(value.from);
					if ('why' in outcome) {
						missing.push({ host: host.name, key, why: outcome.why });
						return [key, { value: '', secret: value.secret, from: value.from }];
					}
					return [key, { value: outcome.value, secret: value.secret }];
				}),
			);
			return { ...host, env: Object.fromEntries(entries) };
		}),
	);
	return { hosts: resolved, missing };
}

/** The values that still have to be fetched, for a "nothing to do" shortcut. */
export const needsResolving = (hosts: readonly HostConfig[]): boolean => hosts.some((host) => Object.values(host.env).some((value) => value.from !== undefined));

/** "DB_PASSWORD (`pass show shop/db` exited 1: not in the store)": for one host's failure line. */
export function describeMissing(missing: readonly MissingValue[]): string {
	return missing.map((each) => `${each.key} (${each.why})`).join('; ');
}

type Outcome = { readonly value: string } | { readonly why: string };

async function runCommand(command: string, options: ResolveOptions): Promise<Outcome> {
	const result = await execa('sh', ['-c', command], { cwd: options.cwd, reject: false, stdin: 'ignore', timeout: commandTimeoutMs, cancelSignal: options.signal, stripFinalNewline: false });
	const shown = `\`${command}\``;
	if (result.isCanceled) return { why: `${shown} cancelled` };
	if (result.timedOut) return { why: `${shown} gave no answer within ${commandTimeoutMs / 1000}s` };
	if (result.exitCode !== 0) {
		const lastError = String(result.stderr).trim().split('\n').at(-1);
		return { why: `${shown} exited ${result.exitCode ?? result.signal}${lastError ? `: ${lastError}` : ''}` };
	}
	const value = String(result.stdout).replace(/\r?\n$/, '');
	return value === '' ? { why: `${shown} printed nothing` } : { value };
}

function readVariable(name: string, env: ResolveOptions['env']): Outcome {
	const value = env[name];
	if (value === undefined) return { why: `$${name} is not set in this environment` };
	if (value === '') return { why: `$${name} is empty` };
	return { value };
}
