import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../test/fleet/fleet.js';
import { medianOf, mustWithCpu, type RunResult } from './run.js';

/** The built CLI as an operator runs it, and what its --json events say. */

/** BENCH_CLI: another build of the CLI (e.g. before/after a change); default dist/cli.js. */
export const cli = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(repoRoot, 'dist', 'cli.js');

export function requireCli(): void {
	if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build first (or set BENCH_CLI)`);
}

export interface BenchHost {
	readonly name: string;
	/** An ssh alias from the fleet's ssh_config; absent for `local = true`. */
	readonly ssh?: string;
	readonly root: string;
}

export function hostsToml(options: { app: string; artifact: string; hosts: readonly BenchHost[]; watchdog?: boolean; keep?: number; jobs?: number; extraDefaults?: readonly string[] }): string {
	return [
		'[app]',
		`name = "${options.app}"`,
		`keep = ${options.keep ?? 2}`,
		'',
		'[build]',
		'command = "true"',
		`artifact = ${JSON.stringify(options.artifact)}`,
		'',
		'[defaults]',
		`jobs = ${options.jobs ?? options.hosts.length}`,
		...(options.watchdog === undefined ? [] : [`watchdog = ${options.watchdog}`]),
		...(options.extraDefaults ?? []),
		'',
		...options.hosts.flatMap((host) => ['[[host]]', `name = "${host.name}"`, host.ssh === undefined ? 'local = true' : `ssh = "${host.ssh}"`, `root = ${JSON.stringify(host.root)}`, '']),
	].join('\n');
}

export interface PhaseEvent {
	readonly type: 'phase';
	readonly host: string | null;
	readonly phase: string;
	readonly status: string;
	readonly ms?: number;
	readonly trips?: number;
}

export interface CliRun extends RunResult {
	readonly phases: readonly PhaseEvent[];
	/** CPU seconds of the CLI and the processes it waited for (local hosts' commands; not sshd's). */
	readonly cpu: number;
}

/** `node cli <args> --json`, headless; throws unless it exits 0. */
export async function switchyard(args: readonly string[], options: { cwd: string; config: string; sshConfig?: string; home?: string }): Promise<CliRun> {
	const full = [cli, ...args, '--json', '--config', options.config, ...(options.sshConfig ? ['--ssh-config', options.sshConfig] : [])];
	const result = await mustWithCpu('node', full, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: options.home ?? options.cwd } }).catch((error: Error) => {
		throw new Error(`switchyard ${args.join(' ')}: ${error.message}`);
	});
	const phases = result.stdout
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as { type: string })
		.filter((event): event is PhaseEvent => event.type === 'phase');
	return { ...result, phases };
}

/** Per phase, over hosts: median ms, and median SSH round trips when the build reports `trips`. */
export function phaseSummary(phases: readonly PhaseEvent[]): string {
	const byPhase = new Map<string, PhaseEvent[]>();
	for (const event of phases) if (event.host && event.status === 'ok') byPhase.set(event.phase, [...(byPhase.get(event.phase) ?? []), event]);
	return [...byPhase]
		.map(([phase, events]) => {
			const ms = events.flatMap((event) => (event.ms === undefined ? [] : [event.ms]));
			const trips = events.flatMap((event) => (event.trips === undefined ? [] : [event.trips]));
			return `${phase} ${ms.length ? `${(medianOf(ms) / 1000).toFixed(2)} s` : '?'}${trips.length ? `, ${medianOf(trips)} trip${medianOf(trips) === 1 ? '' : 's'}` : ''}`;
		})
		.join(' · ');
}

/** True when some phase event carried `trips` (the lead's per-phase round-trip count). */
export const reportsTrips = (phases: readonly PhaseEvent[]): boolean => phases.some((event) => event.trips !== undefined);
