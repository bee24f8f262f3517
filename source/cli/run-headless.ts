import { createInterface } from 'node:readline/promises';
import type { Config, HostConfig } from '../config/types.js';
import { checkFleet, listGenerations } from '../engine/inspect-fleet.js';
import { runDeploy } from '../engine/deploy.js';
import { pickTarget, runRollback } from '../engine/rollback.js';
import type { EmitEvent, GenerationInfo, RunSummary, StagedHost } from '../engine/events.js';
import { exitCode, exitCodes, type Interruption } from '../engine/outcome/exit-code.js';
import { describeStagedChange, describeWarnings, describeWavePlan, generationStatusText, namesInBrief, stagedGroupLabel, switchQuestion, warningMark } from '../engine/outcome/words.js';
import { groupStaged, stagedReleases } from '../engine/staged-groups.js';
import type { WavePlan } from '../engine/waves.js';
import type { OpenTransport, ReuseRelease, RollbackTarget } from '../engine/requests.js';
import { formatBytes } from '../engine/format-bytes.js';
import { planRetry, RetryRefused } from '../engine/retry.js';
import { twoStepCancel, type CancelStep } from '../engine/run-cancellation.js';
import { createPrinter } from '../headless/printer.js';
import { CheckTable } from '../headless/check-table.js';
import { lastDeploy, retrySource } from '../record/last-run.js';
import { knownListings } from '../record/known-listings.js';
import { runSinks } from '../record/run-sinks.js';
import { defaultConfig, type Arguments } from './arguments.js';
import { onInterruption } from './interruptions.js';
import type { Output } from './output.js';

export interface HeadlessContext {
	readonly args: Arguments;
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly openTransport: OpenTransport;
	readonly stdout: Output;
	readonly stderr: NodeJS.WriteStream;
	readonly stdin: NodeJS.ReadStream;
}

type Work = (emit: EmitEvent, signal: AbortSignal, force: AbortSignal) => Promise<RunSummary>;

/**
 * Runs one engine entry point with the printer and the recorder attached. Ctrl-C (or SIGTERM,
 * SIGHUP, or the output going away: `| head`) cancels: unstarted work is skipped, locks are
 * released, switches under way finish. A second one stops those too, bounded by the transports'
 * kill grace; their hosts are reported as they read back.
 */
async function runRecorded(context: HeadlessContext, work: Work, display?: EmitEvent): Promise<number> {
	const { args, stdout, stderr } = context;
	const sinks = runSinks(context.config.dir, display ?? createPrinter((text) => stdout.write(text), args.json, { verbose: args.verbose }));
	const run = twoStepCancel();
	let interruption: Interruption | undefined;
	const stopListening = onInterruption((why) => {
		// A reader that went away cancels; it never forces (nobody asked twice).
		if (why === 'output-closed' && run.signal.aborted) return;
		run.cancel((step) => {
			if (step === 'cancelled') interruption = why;
			const notice = cancelNotices[step];
			if (notice !== undefined && why !== 'output-closed') stderr.write(notice);
		});
	}, stdout);
	try {
		const summary = await work(sinks.emit, run.signal, run.force);
		await sinks.close();
		if (sinks.runDir() && !args.json) stdout.write(`Run recorded in ${sinks.runDir()}\n`);
		return exitCode(summary.tally, interruption);
	} finally {
		stopListening();
		await sinks.close();
	}
}

/** What a cancel says on stderr as it starts (a closed output says nothing). */
const cancelNotices: Partial<Record<CancelStep, string>> = {
	cancelled: '\ncancelling: unstarted work is skipped, uploads stopped, locks released; switches in flight finish (Ctrl-C again stops them too)\n',
	forced: 'stopping switches under way: their hosts are reported as they are (read back) within a few seconds\n',
};

/** Asks on the terminal, defaulting to No; without a terminal only --yes switches. */
function confirmOnTerminal(context: HeadlessContext, question: string, lines: readonly string[]): Promise<boolean> {
	const { args, stdin, stderr } = context;
	if (args.yes) return Promise.resolve(true);
	if (!stdin.isTTY) {
		stderr.write('not switching: no terminal to ask and no --yes given; staged generations are kept (switch them later with --phases switch,validate --yes)\n');
		return Promise.resolve(false);
	}
	const prompt = createInterface({ input: stdin, output: stderr });
	stderr.write(`${lines.join('\n')}\n`);
	return prompt
		.question(`${question} [y/N] `)
		.then((answer) => /^y(es)?$/i.test(answer.trim()))
		.finally(() => prompt.close());
}

/**
 * The plan of the switch, as the console's question shows it: the waves, then the staged hosts
 * grouped by their change (biggest group first, outliers apart), each with its build's and dry
 * run's warnings (pantherOS reads them before saying yes).
 */
function describeSwitch(staged: readonly StagedHost[], plan: WavePlan<string>): string[] {
	const groups = groupStaged(staged);
	const width = Math.max(...groups.map((group) => stagedGroupLabel(group.hosts).length));
	return [
		`  ${describeWavePlan(plan)}`,
		...groups.flatMap((group) => [
			`  ${stagedGroupLabel(group.hosts).padEnd(width)}  ${describeStagedChange(group.first)}${group.hosts.length > 1 ? `   ${namesInBrief(group.hosts, 8)}` : ''}`,
			...describeWarnings(group.first.warnings ?? []).map((line) => `    ${warningMark} ${line}`),
		]),
	];
}

export async function headlessDeploy(context: HeadlessContext): Promise<number> {
	const { args, config, openTransport } = context;
	let hosts = context.hosts;
	let phases = args.phases;
	let reuse: ReuseRelease | undefined;
	if (args.retry) {
		const planned = await retryPlan(context);
		if (typeof planned === 'number') return planned;
		({ hosts, phases, reuse } = planned);
	}
	return runRecorded(context, (emit, signal, force) =>
		runDeploy({
			config,
			hosts,
			emit,
			openTransport,
			signal,
			force,
			phases,
			skips: args.skips,
			waves: args.waves,
			breakLock: args.breakLock,
			jobs: args.jobs,
			...(reuse ? { reuse } : {}),
			confirm: (staged, _look, plan) => confirmOnTerminal(context, switchQuestion(staged.length, stagedReleases(staged)), describeSwitch(staged, plan)),
		}),
	);
}

/** The last deploy's failed hosts (within --host/--tag when given), its release and phases; or the exit code of a refusal. */
async function retryPlan(context: HeadlessContext) {
	const { args, config, stderr } = context;
	const refuse = (why: string) => {
		stderr.write(`switchyard: ${why}; nothing was touched\n`);
		return exitCodes.usage;
	};
	const last = lastDeploy(config.dir);
	if (!last) return refuse('nothing to retry: no deploy that switched or failed hosts is recorded under .switchyard/runs (dry runs and runs refused by a lock are passed over)');
	const selected = args.hosts.length + args.tags.length === 0 ? undefined : new Set(context.hosts.map((host) => host.name));
	const source = retrySource(last, selected);
	if (!source) return refuse(`nothing to retry: no host failed in run ${last.runId}`);
	try {
		return await planRetry(config, source);
	} catch (error) {
		if (error instanceof RetryRefused) return refuse(error.message);
		throw error;
	}
}

export async function headlessRollback(context: HeadlessContext): Promise<number> {
	const { args, config, hosts, openTransport, stdin, stdout, stderr } = context;
	const target: RollbackTarget = args.to !== undefined ? { generation: args.to } : args.release ? { release: args.release } : { previous: true };
	const what = 'generation' in target ? `generation ${target.generation}` : 'release' in target ? `release ${target.release}` : 'the previous generation';
	if (!args.yes) {
		// Where each host would go, read from the hosts now (a listing: no lock, nothing written).
		const plan = await rollbackPlan(context, target);
		if (!stdin.isTTY) {
			stderr.write('not rolling back: no terminal to ask and no --yes given; nothing was changed. Each host would go:\n');
			stdout.write(`${plan.join('\n')}\n`);
			return exitCodes.notSwitched;
		}
		if (!(await confirmOnTerminal(context, `Roll back ${hosts.map((host) => host.name).join(', ')} to ${what}?`, plan))) return exitCodes.notSwitched;
	}
	// What the last runs read back of these hosts: each is then one round trip unless it changed since.
	const known = knownListings(config.dir, hosts.map((host) => host.name));
	return runRecorded(context, (emit, signal, force) => runRollback({ config, hosts, emit, openTransport, signal, force, target, known, jobs: args.jobs, breakLock: args.breakLock }));
}

/**
 * Each host's rollback as it would go now: from and to which generation (and release), and the
 * command that does just that; or why it can't.
 */
async function rollbackPlan(context: HeadlessContext, target: RollbackTarget): Promise<string[]> {
	const { args, config, hosts, openTransport } = context;
	const listed = new Map<string, { current: number | null; generations: readonly GenerationInfo[] }>();
	const failed = new Map<string, string>();
	await listGenerations({
		config,
		hosts,
		openTransport,
		jobs: args.jobs,
		emit: (event) => {
			if (event.type === 'generations') listed.set(event.host, event);
			if (event.type === 'host-done' && event.outcome !== 'ok') failed.set(event.host, event.reason ?? event.outcome);
		},
	});
	const width = Math.max(...hosts.map((host) => host.name.length));
	const also = [args.environment === undefined ? '' : ` --env ${args.environment}`, args.config === defaultConfig ? '' : ` --config ${args.config}`].join('');
	return hosts.map((host) => {
		const name = `  ${`${host.name}:`.padEnd(width + 1)}`;
		const state = listed.get(host.name);
		if (!state) return `${name} could not be read: ${failed.get(host.name) ?? 'no answer'}`;
		let to: number;
		try {
			to = pickTarget({ current: state.current, generations: [...state.generations], manifest: null }, target, host.name);
		} catch (error) {
			return `${name} nothing to roll back to: ${error instanceof Error ? error.message : String(error)}`;
		}
		const release = state.generations.find((generation) => generation.id === to)?.release;
		if (to === state.current) return `${name} already on generation ${to}${release ? ` (release ${release})` : ''}: nothing to do`;
		return `${name} generation ${state.current ?? 'none'} → ${to}${release ? ` (release ${release})` : ''}   switchyard rollback --host ${host.name} --to ${to} --yes${also}`;
	});
}

/** One table row per host (reachable, current, release, lock, disk, health), or every event with --json. */
export async function headlessCheck(context: HeadlessContext): Promise<number> {
	const { args, config, hosts, openTransport, stdout } = context;
	const table = args.json ? undefined : new CheckTable();
	const code = await runRecorded(context, (emit, signal) => checkFleet({ config, hosts, emit, openTransport, signal, jobs: args.jobs }), table?.apply);
	if (table) stdout.write(`${table.text()}\n`);
	return code;
}

/** A table per host, newest generation first: id, date, release, who, size, status, current marked. */
export async function headlessGenerations(context: HeadlessContext): Promise<number> {
	const { args, config, hosts, openTransport, stdout } = context;
	const tables: string[] = [];
	const summary = await listGenerations({
		config,
		hosts,
		openTransport,
		jobs: args.jobs,
		emit: (event) => {
			if (args.json) {
				if (event.type === 'generations' || event.type === 'host-done') stdout.write(`${JSON.stringify(event)}\n`);
				return;
			}
			if (event.type === 'generations') tables.push(generationsText(event.host, event.generations));
			if (event.type === 'host-done' && event.outcome !== 'ok') tables.push(`${event.host}: ✗ ${event.reason}`);
		},
	});
	if (!args.json) stdout.write(`${tables.join('\n\n')}\n`);
	return exitCode(summary.tally, stdout.closed ? 'output-closed' : undefined);
}

/** A host's generations, newest first (as the console's `g` list shows them). */
export function generationsText(host: string, generations: readonly GenerationInfo[]): string {
	if (generations.length === 0) return `${host}: no generations yet`;
	const rows = [...generations].sort((a, b) => b.id - a.id).map((generation) => [
		`${generation.current ? '*' : ' '} ${generation.id}`,
		generation.created.replace('T', ' ').slice(0, 19),
		generation.release,
		generation.by,
		formatBytes(generation.bytes),
		generationStatusText(generation),
		generation.current ? '(current)' : '',
	]);
	const header = ['  GEN', 'CREATED (UTC)', 'RELEASE', 'BY', 'SIZE', 'STATUS', ''];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
	const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
	return [`${host}:`, line(header), ...rows.map(line)].join('\n');
}
