import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from '../engine/events.js';
import { formatEvent } from '../headless/format-event.js';

export const runsDir = (configDir: string): string => path.join(configDir, '.switchyard', 'runs');

/**
 * Keeps every run: `events.jsonl` (each event as it happened) and one log file per host
 * (`hosts/<name>.log`, build output in `build.log`), under `.switchyard/runs/<run id>/`.
 */
export class RunRecorder {
	private dir?: string;
	private events?: WriteStream;
	private readonly logs = new Map<string, WriteStream>();
	private readonly pendingEvents: EngineEvent[] = [];

	constructor(private readonly configDir: string) {}

	readonly record = (event: EngineEvent): void => {
		if (event.type === 'run-started') this.open(event.runId);
		if (!this.events) {
			this.pendingEvents.push(event);
			return;
		}
		this.events.write(`${JSON.stringify({ at: Date.now(), ...event })}\n`);
		const host = 'host' in event ? event.host : 'staged' in event ? event.staged.host : undefined;
		if (host === undefined || event.type === 'generations') return;
		for (const line of formatEvent(event)) this.logFor(host).write(`${new Date().toISOString()} ${line.replace(/^\[[^\]]+\] /, '')}\n`);
	};

	get runDir(): string | undefined {
		return this.dir;
	}

	private open(runId: string): void {
		this.dir = path.join(runsDir(this.configDir), runId);
		mkdirSync(path.join(this.dir, 'hosts'), { recursive: true });
		this.events = createWriteStream(path.join(this.dir, 'events.jsonl'), { flags: 'a' });
		for (const event of this.pendingEvents.splice(0)) this.record(event);
	}

	private logFor(host: string | null): WriteStream {
		const name = host ?? '';
		let stream = this.logs.get(name);
		if (!stream) {
			stream = createWriteStream(host === null ? path.join(this.dir!, 'build.log') : path.join(this.dir!, 'hosts', `${host}.log`), { flags: 'a' });
			this.logs.set(name, stream);
		}
		return stream;
	}

	/** Flushes and closes every file; await before the process exits. */
	async close(): Promise<void> {
		const streams = [this.events, ...this.logs.values()].filter((stream): stream is WriteStream => stream !== undefined);
		await Promise.all(streams.map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
		this.logs.clear();
		this.events = undefined;
	}
}
