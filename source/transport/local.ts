import { Readable } from 'node:stream';
import { execa } from 'execa';
import { LineSplitter } from './line-splitter.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';

/** Runs scripts on this machine with `sh -c`: a `local = true` host. */
export class LocalTransport implements Transport {
	readonly kind = 'local';
	readonly describe = 'local';

	async connect(): Promise<void> {}

	async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
		const child = execa('sh', ['-c', script], {
			reject: false,
			stdin: 'pipe',
			buffer: false,
			cancelSignal: options.signal,
			forceKillAfterDelay: 2000,
		});
		const output = { stdout: '', stderr: '' };
		for (const stream of ['stdout', 'stderr'] as const) {
			const splitter = new LineSplitter((line) => options.onLine?.(line, stream));
			child[stream]?.on('data', (chunk: Buffer) => {
				output[stream] += chunk.toString('utf8');
				splitter.push(chunk);
			});
			child[stream]?.on('end', () => splitter.flush());
		}
		feedStdin(child.stdin, options.stdin);
		const result = await child;
		const killed = result.signal ?? (result.isCanceled ? 'SIGTERM' : undefined);
		return {
			code: killed ? null : (result.exitCode ?? null),
			signal: killed,
			failure: result.isCanceled ? 'cancelled' : undefined,
			stdout: output.stdout,
			stderr: output.stderr,
		};
	}

	async close(): Promise<void> {}
}

function feedStdin(stdin: NodeJS.WritableStream | null, input: ExecOptions['stdin']): void {
	if (!stdin) return;
	// The command may exit before reading everything (e.g. tar failing on a full disk).
	stdin.on('error', () => {});
	if (input === undefined) stdin.end();
	else if (input instanceof Readable) input.pipe(stdin);
	else stdin.end(input);
}
