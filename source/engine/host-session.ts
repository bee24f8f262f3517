import type { HostConfig } from '../config/types.js';
import type { Readable } from 'node:stream';
import type { ExecResult, Transport } from '../transport/transport.js';
import type { EmitEvent } from './events.js';
import { marker } from './remote/quote.js';
import { parseStepLine } from './step-line.js';

export interface ScriptResult extends ExecResult {
	/** `SY:` lines without the prefix, in order. */
	readonly markers: readonly string[];
	/** Lines between `SY:<name>-begin` and `SY:<name>-end`, by name (not logged). */
	readonly blocks: ReadonlyMap<string, readonly string[]>;
}

export interface RunOptions {
	readonly stdin?: Readable | string;
	readonly signal?: AbortSignal;
	/**
	 * Deadline for the whole script (default: the host's `command_timeout`). When it passes the
	 * command is stopped on the host and the result says `timed out after …`.
	 */
	readonly timeoutMs?: number;
	/** `finish`: the host runs it to its end even if this connection dies (a switch); see `ExecOptions`. */
	readonly ifDisconnected?: 'stop' | 'finish';
	/** Called for each `SY:` line as it arrives, with everything collected so far (a script that talks back mid-way). */
	readonly onMarker?: (marker: string, soFar: Pick<ScriptResult, 'markers' | 'blocks'>) => void;
}

/** A host's failure, with the one-line reason its tile shows. */
export class HostFailure extends Error {
	constructor(readonly reason: string) {
		super(reason);
		this.name = 'HostFailure';
	}
}

/**
 * One host's connection for a run: runs scripts, streams their output as this host's log
 * lines, turns step JSON into step events and hands `SY:` lines back to the caller.
 */
export class HostSession {
	constructor(
		readonly host: HostConfig,
		readonly transport: Transport,
		private readonly emit: EmitEvent,
		/** FastDeploy step lines are steps only where the host's strategy says its scripts print them. */
		private readonly stepsFromOutput = false,
		/** Scripts sent to the host (each one round trip), shared by every connection of the run to it. */
		private readonly counter = { trips: 0 },
	) {}

	get trips(): number {
		return this.counter.trips;
	}

	/** The same host over another connection (the watchdog's confirmation proves new logins work). */
	over(transport: Transport): HostSession {
		return new HostSession(this.host, transport, this.emit, this.stepsFromOutput, this.counter);
	}

	info(line: string): void {
		this.emit({ type: 'log', host: this.host.name, stream: 'info', line });
	}

	async run(text: string, options: RunOptions = {}): Promise<ScriptResult> {
		const markers: string[] = [];
		const blocks = new Map<string, string[]>();
		let block: string[] | undefined;
		const { onMarker, timeoutMs = this.host.timeouts.commandMs, signal, stdin, ifDisconnected } = options;
		const deadline = AbortSignal.timeout(timeoutMs);
		this.counter.trips += 1;
		const result = await this.transport.exec(text, {
			stdin,
			...(ifDisconnected ? { ifDisconnected } : {}),
			signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
			onLine: (line, stream) => {
				if (stream === 'stdout' && line.startsWith(marker)) {
					const body = line.slice(marker.length);
					const edge = /^(.+)-(begin|end)$/.exec(body);
					if (edge?.[2] === 'begin') blocks.set(edge[1]!, (block = []));
					else if (edge?.[2] === 'end') block = undefined;
					else {
						markers.push(body);
						onMarker?.(body, { markers, blocks });
					}
					return;
				}
				if (block) {
					block.push(line);
					return;
				}
				const step = stream === 'stdout' && this.stepsFromOutput ? parseStepLine(line) : undefined;
				if (step) this.emit({ type: 'step', host: this.host.name, ...step });
				else this.emit({ type: 'log', host: this.host.name, stream, line });
			},
		});
		if (deadline.aborted && !signal?.aborted) return { ...result, code: null, failure: `timed out after ${formatSeconds(timeoutMs)}`, markers, blocks };
		return { ...result, markers, blocks };
	}

	/** Runs a script that must succeed; otherwise throws a HostFailure with its reason. */
	async must(text: string, what: string, options: Omit<RunOptions, 'onMarker'> = {}): Promise<ScriptResult> {
		const result = await this.run(text, options);
		if (result.code !== 0) throw new HostFailure(`${what}: ${failureReason(result)}`);
		return result;
	}
}

/** The most telling line: a transport failure, else the last line on stderr, else the exit status. */
export function failureReason(result: ExecResult): string {
	if (result.failure) return result.failure;
	if (result.code === null) return `killed${result.signal ? ` by ${result.signal}` : ''}`;
	const lastError = result.stderr.trimEnd().split('\n').at(-1)?.trim();
	const lastOutput = result.stdout.trimEnd().split('\n').filter((line) => !line.startsWith(marker)).at(-1)?.trim();
	return lastError || lastOutput || `exit status ${result.code}`;
}

export const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`);
