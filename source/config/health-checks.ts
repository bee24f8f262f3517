import { z } from 'zod';
import { command, seconds } from './values.js';

/*
 * A host's [health]: the kinds of check, each its keys in hosts.toml and what they resolve to,
 * then how long and how often they are tried. A new kind of check is a row here (its keys and
 * its value) and its runner in `engine/health.ts` (how it runs, how many checks it makes).
 */

const httpUrl = z.string().regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, 'must be an http(s) URL, e.g. "http://127.0.0.1:8080/health"');
const httpCheck = z.union([
	httpUrl,
	z.strictObject({
		url: httpUrl,
		expect: z.string().optional(),
		status: z.number().int().min(100).max(599).optional(),
	}),
]);

export interface HttpCheck {
	readonly url: string;
	readonly expect?: string;
	readonly status?: number;
}

/** One kind of check: its keys, and what a host's merged [health] makes of them. */
const kind = <Keys extends z.ZodRawShape, Value>(keys: Keys, resolve: (raw: z.infer<z.ZodObject<Keys>>) => Value) => ({ keys, resolve });

/** Every kind of check, in the order they run. */
export const healthCheckKinds = {
	/** Shell commands run on the host in the live generation; exit 0 = healthy. */
	commands: kind({ command: z.union([command, z.array(command)]).optional() }, (raw): readonly string[] => (raw.command === undefined ? [] : [raw.command].flat())),
	/** `systemctl is-active` for each of the host's services (Seance). */
	servicesActive: kind({ services_active: z.boolean().optional() }, (raw): boolean => raw.services_active ?? false),
	/** URLs fetched from the machine running Switchyard; 2xx (or `status`) = healthy, and the body holds `expect` (`{version}`: the release validated). */
	http: kind({ http: z.array(httpCheck).optional(), expect: z.string().optional() }, (raw): readonly HttpCheck[] =>
		(raw.http ?? []).map((check) => (typeof check === 'string' ? { url: check, expect: raw.expect } : { ...check, expect: check.expect ?? raw.expect })),
	),
};

export type HealthCheckKind = keyof typeof healthCheckKinds;

const timing = {
	timeout: seconds.optional(),
	retries: z.number().int().min(0, 'must be 0 or more').optional(),
	interval: seconds.optional(),
};

export const healthSchema = z.strictObject({
	...healthCheckKinds.commands.keys,
	...healthCheckKinds.servicesActive.keys,
	...healthCheckKinds.http.keys,
	...timing,
});

export type RawHealth = z.infer<typeof healthSchema>;

/** A host's checks by kind, then their timing: every check of an attempt gets `timeoutMs`; `retries` more attempts `intervalMs` apart. */
export type HealthConfig = { readonly [K in HealthCheckKind]: ReturnType<(typeof healthCheckKinds)[K]['resolve']> } & {
	readonly timeoutMs: number;
	readonly retries: number;
	readonly intervalMs: number;
};

/** [health] as the layers (top level, [defaults], the environment, the host) set it, the later over the earlier. */
export function resolveHealth(...layers: (RawHealth | undefined)[]): HealthConfig {
	const health: RawHealth = Object.assign({}, ...layers.filter(Boolean));
	const checks = Object.fromEntries(Object.entries(healthCheckKinds).map(([name, each]) => [name, each.resolve(health as never)])) as { [K in HealthCheckKind]: HealthConfig[K] };
	return {
		...checks,
		timeoutMs: (health.timeout ?? 5) * 1000,
		retries: health.retries ?? 3,
		intervalMs: (health.interval ?? 1) * 1000,
	};
}
