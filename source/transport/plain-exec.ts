import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { CommandOutput } from './command-output.js';
import { exitOf } from './ssh-channel.js';
import type { SshConnection } from './ssh-connect.js';
import { cancelAnswerMs, commandResult, type ExecOptions, type ExecResult } from './transport.js';

/**
 * A script run straight in an exec channel, for hosts where the supervisor cannot start. Weaker:
 * a cancel is a "signal" request (which sshd honours only for some users) and then closing the
 * channel, which does not stop a command that is not writing; a lost connection stops nothing.
 */
export function runPlain(channel: ClientChannel, connection: SshConnection, options: ExecOptions): Promise<ExecResult> {
	return new Promise((resolve) => {
		const output = new CommandOutput(options.onLine);
		let cancelled = false;
		let finished = false;
		let answerTimer: NodeJS.Timeout | undefined;
		let stdinFailure: string | undefined;
		const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
		channel.on('data', (chunk: Buffer) => output.take('stdout', decoders.stdout.write(chunk)));
		channel.stderr.on('data', (chunk: Buffer) => output.take('stderr', decoders.stderr.write(chunk)));
		// Write errors after the command exited early (e.g. tar failing) are not the result.
		channel.on('error', () => {});
		const abort = () => {
			if (cancelled || finished) return;
			cancelled = true;
			try {
				channel.signal('TERM');
			} catch {
				// The channel may already be closing.
			}
			answerTimer = setTimeout(() => {
				channel.close();
				finish();
			}, cancelAnswerMs);
		};
		if (options.signal?.aborted) abort();
		else options.signal?.addEventListener('abort', abort, { once: true });
		const input = options.stdin;
		if (input instanceof Readable) {
			input.on('error', (error: Error) => {
				// A broken source must not look like a complete upload: stop the command.
				stdinFailure = `stdin failed: ${error.message}`;
				abort();
			});
			input.pipe(channel);
		} else channel.end(input);
		channel.on('close', finish);

		function finish(): void {
			if (finished) return;
			finished = true;
			clearTimeout(answerTimer);
			options.signal?.removeEventListener('abort', abort);
			if (input instanceof Readable) input.unpipe(channel);
			output.take('stdout', decoders.stdout.end());
			output.take('stderr', decoders.stderr.end());
			output.flush();
			resolve(commandResult({ output: output.text, exit: exitOf(channel), cancelled, stdinFailure, lost: connection.lost }));
		}
	});
}
