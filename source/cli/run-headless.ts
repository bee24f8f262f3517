import { createInterface } from 'node:readline/promises';
import type { Config, HostConfig } from '../config/types.js';
import { checkFleet, listGenerations } from '../engine/inspect-fleet.js';
import { runDeploy } from '../engine/deploy.js';
import { runRollback } from '../engine/rollback.js';
import type { EngineEvent, GenerationInfo, RunSummary, StagedHost } from '../engine/events.js';
import type { OpenTransport, RollbackTarget } from '../engine/requests.js';
import { formatBytes } from '../engine/format-bytes.js';
import { runCancellation } from '../engine/run-cancellation.js';
import { describeDiff } from '../headless/format-event.js';
import { createPrinter } from '../headless/printer.js';
import { RunRecorder } from '../record/run-recorder.js';
import type { Arguments } from './arguments.js';

export interface HeadlessContext {
	readonly args: Arguments;
	readonly config: Config;
	readonly hosts: readonly HostConfig[];
	readonly openTransport: OpenTransport;
	readonly stdout: NodeJS.WriteStream;
	readonly stderr: NodeJS.WriteStream;
	readonly stdin: NodeJS.ReadStream;
}

type Work = (emit: (event: EngineEvent) => void, signal: AbortSignal) => Promise<RunSummary>;

/** Runs one engine entry point with the printer and the recorder attached, Ctrl-C as cancel. */
async function runRecorded(context: HeadlessContext, work: Work, record = true): Promise<number> {
	const { args, stdout, stderr } = context;
	const print = createPrinter((text) => stdout.write(text), args.json);
	const recorder = record ? new RunRecorder(context.config.dir) : undefined;
	const controller = runCancellation();
	let interrupts = 0;
	const onInterrupt = () => {
		interrupts += 1;
		if (interrupts === 1) {
			stderr.write('\ncancelling: unstarted work is skipped, uploads stopped, locks released; switches in flight finish (Ctrl-C again to be told what is still running)\n');
			controller.abort();
		} else stderr.write('still finishing a switch that has begun: a host is never left half-switched; it ends in a few seconds\n');
	};
	process.on('SIGINT', onInterrupt);
	process.on('SIGTERM', onInterrupt);
	try {
		const summary = await work((event) => {
			recorder?.record(event);
			print(event);
		}, controller.signal);
		if (recorder?.runDir && !args.json) stdout.write(`Run recorded in ${recorder.runDir}\n`);
		if (controller.signal.aborted) return 130;
		return summary.passed === summary.total ? 0 : 1;
	} finally {
		process.off('SIGINT', onInterrupt);
		process.off('SIGTERM', onInterrupt);
		await recorder?.close();
	}
}

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

const describeStaged = (staged: readonly StagedHost[]): string[] =>
	staged.map((host) => `  ${host.host}: generation ${host.from ?? 'none'} → ${host.to} (${describeDiff(host)})`);

export function headlessDeploy(context: HeadlessContext): Promise<number> {
	const { args, config, hosts, openTransport } = context;
	return runRecorded(context, (emit, signal) =>
		runDeploy({
			config,
			hosts,
			emit,
			openTransport,
			signal,
			phases: args.phases,
			skips: args.skips,
			waves: args.waves,
			breakLock: args.breakLock,
			jobs: args.jobs,
			confirm: (staged) => confirmOnTerminal(context, `Switch ${staged.length} host(s) to the new generation?`, describeStaged(staged)),
		}),
	);
}

export async function headlessRollback(context: HeadlessContext): Promise<number> {
	const { args, config, hosts, openTransport } = context;
	const target: RollbackTarget = args.to !== undefined ? { generation: args.to } : args.release ? { release: args.release } : { previous: true };
	const what = 'generation' in target ? `generation ${target.generation}` : 'release' in target ? `release ${target.release}` : 'the previous generation';
	const confirmed = await confirmOnTerminal(context, `Roll back ${hosts.map((host) => host.name).join(', ')} to ${what}?`, []);
	if (!confirmed) return 1;
	return runRecorded(context, (emit, signal) => runRollback({ config, hosts, emit, openTransport, signal, target, jobs: args.jobs, breakLock: args.breakLock }));
}

export function headlessCheck(context: HeadlessContext): Promise<number> {
	const { args, config, hosts, openTransport } = context;
	return runRecorded(context, (emit, signal) => checkFleet({ config, hosts, emit, openTransport, signal, jobs: args.jobs }), false);
}

/** A table per host: id, date, release, who, size, current marked. */
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
			if (event.type === 'generations') tables.push(generationTable(event.host, event.generations));
			if (event.type === 'host-done' && event.outcome !== 'ok') tables.push(`${event.host}: ✗ ${event.reason}`);
		},
	});
	if (!args.json) stdout.write(`${tables.join('\n\n')}\n`);
	return summary.passed === summary.total ? 0 : 1;
}

export function generationTable(host: string, generations: readonly GenerationInfo[]): string {
	if (generations.length === 0) return `${host}: no generations yet`;
	const rows = generations.map((generation) => [
		`${generation.current ? '*' : ' '} ${generation.id}`,
		generation.created.replace('T', ' ').slice(0, 19),
		generation.release,
		generation.by,
		formatBytes(generation.bytes),
		generation.current ? '(current)' : '',
	]);
	const header = ['  GEN', 'CREATED (UTC)', 'RELEASE', 'BY', 'SIZE', ''];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
	const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
	return [`${host}:`, line(header), ...rows.map(line)].join('\n');
}
