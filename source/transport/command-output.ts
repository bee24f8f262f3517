import { LineSplitter } from './line-splitter.js';
import type { ExecOptions, Stream } from './transport.js';

/** What one command prints: kept whole for its result, and handed on line by line as it arrives. */
export class CommandOutput {
	readonly text = { stdout: '', stderr: '' };
	private readonly splitters: Record<Stream, LineSplitter>;

	constructor(onLine: ExecOptions['onLine']) {
		this.splitters = {
			stdout: new LineSplitter((line) => onLine?.(line, 'stdout')),
			stderr: new LineSplitter((line) => onLine?.(line, 'stderr')),
		};
	}

	take(stream: Stream, text: string): void {
		this.text[stream] += text;
		this.splitters[stream].push(text);
	}

	/** The command is over: a last line without a newline is handed on too. */
	flush(): void {
		this.splitters.stdout.flush();
		this.splitters.stderr.flush();
	}
}
