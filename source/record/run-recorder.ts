import { chmodSync, createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { EngineEvent } from '../engine/events.js';
import { eventHost, eventWording } from '../engine/outcome/words.js';

export const runsDir = (configDir: string): string => path.join(configDir, '.switchyard', 'runs');

/** Lines wait this long (or until this many bytes) before they are written: one write per file, not per line. */
const flushAfterMs = 100;
const flushAtBytes = 256 * 1024;

/**
 * Host logs carry whatever hosts print (paths, tokens a tool echoes, internal names): records are
 * the operator's alone, dirs 0700 and files 0600, whatever the umask.
 */
const privateDir = 0o700;
const privateFile = 0o600;

/** Makes `dir` (and what is missing above it) private; one made by an older version is made private too. */
function ensurePrivateDir(dir: string): void {
	mkdirSync(dir, { recursive: true, mode: privateDir });
	chmodSync(dir, privateDir);
}

/** A file written in batches. */
class BatchedFile {
	private readonly stream: WriteStream;
	private pending: string[] = [];
	private bytes = 0;

	constructor(file: string) {
		this.stream = createWriteStream(file, { flags: 'a', mode: privateFile });
	}

	append(text: string, schedule: () => void): void {
		this.pending.push(text);
		this.bytes += text.length;
		if (this.bytes >= flushAtBytes) this.flush();
		else schedule();
	}

	flush(): void {
		if (this.pending.length === 0) return;
		this.stream.write(this.pending.join(''));
		this.pending = [];
		this.bytes = 0;
	}

	close(): Promise<void> {
		this.flush();
		return new Promise((resolve) => this.stream.end(resolve));
	}
}

/**
 * Keeps every run: `events.jsonl` (each event as it happened, with its ISO time `at`), one log
 * file per host (`hosts/<name>.log`, build output in `build.log`; each event in the words the
 * printer uses) and, once it ended, `summary.txt` (the summary headless prints), under
 * `.switchyard/runs/<run id>/`. One recorder may record several runs, one after another (the console).
 */
export class RunRecorder {
	private dir?: string;
	private events?: BatchedFile;
	private readonly logs = new Map<string, BatchedFile>();
	private readonly pendingEvents: EngineEvent[] = [];
	private readonly closing: Promise<void>[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;
	private readonly words = eventWording();

	constructor(private readonly configDir: string) {}

	readonly record = (event: EngineEvent): void => {
		if (event.type === 'run-started') this.open(event.runId);
		if (!this.events) {
			this.pendingEvents.push(event);
			return;
		}
		const stamp = new Date().toISOString();
		this.events.append(`${JSON.stringify({ at: stamp, ...event })}\n`, this.schedule);
		const lines = this.words(event);
		// The summary's lines begin with a blank one, to set it apart on a terminal.
		if (event.type === 'run-finished') writeFileSync(path.join(this.dir!, 'summary.txt'), `${lines.slice(1).join('\n')}\n`);
		const host = eventHost(event);
		if (host === undefined || lines.length === 0) return;
		const file = this.logFor(host);
		for (const line of lines) file.append(`${stamp} ${line}\n`, this.schedule);
	};

	get runDir(): string | undefined {
		return this.dir;
	}

	private readonly schedule = (): void => {
		if (this.timer !== null) return;
		this.timer = setTimeout(() => {
			this.timer = null;
			this.flush();
		}, flushAfterMs);
		this.timer.unref?.();
	};

	private flush(): void {
		this.events?.flush();
		for (const file of this.logs.values()) file.flush();
	}

	private open(runId: string): void {
		// The previous run's files are done: flushed and closed in the background.
		const previous = [this.events, ...this.logs.values()].filter((file): file is BatchedFile => file !== undefined);
		this.logs.clear();
		this.closing.push(...previous.map((file) => file.close()));
		this.dir = path.join(runsDir(this.configDir), runId);
		// The runs dir first: a run dir inside one that others can list would still show its name.
		ensurePrivateDir(runsDir(this.configDir));
		ensurePrivateDir(this.dir);
		ensurePrivateDir(path.join(this.dir, 'hosts'));
		this.events = new BatchedFile(path.join(this.dir, 'events.jsonl'));
		for (const event of this.pendingEvents.splice(0)) this.record(event);
	}

	private logFor(host: string | null): BatchedFile {
		const name = host ?? '';
		let file = this.logs.get(name);
		if (!file) {
			file = new BatchedFile(host === null ? path.join(this.dir!, 'build.log') : path.join(this.dir!, 'hosts', `${host}.log`));
			this.logs.set(name, file);
		}
		return file;
	}

	/** Flushes and closes every file; await before the process exits. */
	async close(): Promise<void> {
		if (this.timer !== null) clearTimeout(this.timer);
		this.timer = null;
		const files = [this.events, ...this.logs.values()].filter((file): file is BatchedFile => file !== undefined);
		await Promise.all([...files.map((file) => file.close()), ...this.closing.splice(0)]);
		this.logs.clear();
		this.events = undefined;
	}
}
