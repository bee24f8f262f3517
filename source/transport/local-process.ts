import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { LineSplitter } from './line-splitter.js';
import { killGraceSeconds } from './shell-protocol.js';
import type { ExecOptions, ExecResult } from './transport.js';
import { cancelAnswerMs, cancelKillAfterMs } from './transport.js';

/**
 * A `local = true` host's scripts run as a process each, `sh -c`: what LocalTransport does where
 * it cannot keep a shell (see local.ts). Each script leads a process group of its own
 * (detached), so a cancel reaches everything it started, and a guardian process (see
 * `guardianScript`) stops those groups and runs the disconnect scripts if this process dies
 * without `close()`, as the supervisor does on an SSH host. One guardian serves every local host
 * of this process: starting one per host was a third of what a local host cost.
 */
export class ProcessPerScript {
	/** Names this transport's disconnect script to the shared guardian. */
	private readonly id = ++transports;
	private hooked = false;

	async exec(script: string, options: ExecOptions = {}): Promise<ExecResult> {
		const output = { stdout: '', stderr: '' };
		if (options.signal?.aborted) return { code: null, failure: 'cancelled', ...output };
		const child = execa('sh', ['-c', script], { reject: false, stdin: 'pipe', buffer: false, detached: true });
		const group = child.pid;
		if (group !== undefined) this.tell(`${options.ifDisconnected === 'finish' ? '=' : '+'} ${group}\n`);
		for (const stream of ['stdout', 'stderr'] as const) {
			const splitter = new LineSplitter((line) => options.onLine?.(line, stream));
			child[stream]?.on('data', (chunk: Buffer) => {
				output[stream] += chunk.toString('utf8');
				splitter.push(chunk);
			});
			child[stream]?.on('end', () => splitter.flush());
		}
		feedStdin(child.stdin, options.stdin);

		let cancelled = false;
		let answerTimer: NodeJS.Timeout | undefined;
		// Something outside the group (a daemon that setsid'd itself) may hold the output open: a cancel does not wait for it.
		let answer!: (value: undefined) => void;
		const bound = new Promise<undefined>((resolve) => (answer = resolve));
		const forget = () => group !== undefined && this.tell(`- ${group}\n`);
		const abort = () => {
			cancelled = true;
			signalGroup(group, 'SIGTERM');
			// Not cleared when exec answers: the group's KILL is still due (the guardian watches it until then).
			setTimeout(() => {
				signalGroup(group, 'SIGKILL');
				forget();
			}, cancelKillAfterMs);
			answerTimer = setTimeout(answer, cancelAnswerMs, undefined);
		};
		options.signal?.addEventListener('abort', abort, { once: true });
		const result = await Promise.race([child, bound]);
		// The signal may outlive this command by far (a run's deadline): it keeps nothing of it alive.
		options.signal?.removeEventListener('abort', abort);
		clearTimeout(answerTimer);
		// A group whose leader ended on its own keeps what it left running (a service it started);
		// after a cancel the guardian watches the group until its KILL.
		if (!cancelled) forget();
		if (cancelled) return { code: null, signal: result?.signal ?? 'SIGTERM', failure: 'cancelled', ...output };
		if (!result) return { code: null, failure: 'the command ended without an exit status', ...output };
		return { code: result.signal ? null : (result.exitCode ?? null), signal: result.signal ?? undefined, ...output };
	}

	async onDisconnect(script: string | undefined): Promise<boolean> {
		const text = script ?? '';
		this.tell(`h ${this.id} ${Buffer.byteLength(text)}\n${text}`);
		this.hooked = text !== '';
		return true;
	}

	/** A clean end: the guardian forgets this transport's disconnect script (it runs only if this process dies). */
	async close(): Promise<void> {
		if (!this.hooked) return;
		this.hooked = false;
		await tellAndFlush(`c ${this.id}\n`);
	}

	private tell(line: string): void {
		guardianInput().write(line);
	}
}

let transports = 0;
let guardian: ChildProcess | undefined;

/** The shared guardian's stdin (started on first use, again if it has gone). */
function guardianInput(): NodeJS.WritableStream {
	if (!guardian?.stdin || guardian.exitCode !== null || guardian.signalCode !== null) guardian = startGuardian();
	return guardian.stdin!;
}

/**
 * Writes and, when the pipe could not take it at once, keeps this process alive until it has: a
 * clean close must reach the guardian before this process ends, or its disconnect script would run.
 */
async function tellAndFlush(line: string): Promise<void> {
	const input = guardianInput() as NodeJS.WritableStream & { writableLength?: number; ref?: () => void; unref?: () => void };
	input.write(line);
	if (!input.writableLength) return;
	input.ref?.();
	await new Promise((resolve) => {
		input.once('drain', resolve);
		input.once('close', resolve);
	});
	input.unref?.();
}

/**
 * Lives beside this process, reading what it is told on stdin: `+ <pgid>` / `= <pgid>` (a
 * command's group started; `=`: one to let finish), `- <pgid>` (ended), `h <id> <n>\n<n bytes>`
 * (transport <id>'s disconnect script), `c <id>` (transport <id> closed cleanly: its script never
 * runs). End of input means this process has gone: the groups left get TERM, then KILL; once the
 * ones to finish have, the scripts left run, side by side.
 */
const guardianScript = [
	"sy_groups=' '; sy_keep=' '; sy_hooks=' '",
	'while IFS=" " read -r sy_op sy_arg sy_n; do',
	// Transport ids are numbers this process made: safe to name variables with.
	'  case $sy_arg in *[!0-9]*) continue ;; esac',
	'  case $sy_op in',
	'    +) sy_groups="$sy_groups$sy_arg " ;;',
	'    =) sy_keep="$sy_keep$sy_arg " ;;',
	"    -) sy_left=' '; for sy_g in $sy_groups; do [ \"$sy_g\" = \"$sy_arg\" ] || sy_left=\"$sy_left$sy_g \"; done; sy_groups=$sy_left",
	"       sy_left=' '; for sy_g in $sy_keep; do [ \"$sy_g\" = \"$sy_arg\" ] || sy_left=\"$sy_left$sy_g \"; done; sy_keep=$sy_left ;;",
	'    h) sy_h=; if [ "${sy_n:-0}" -gt 0 ]; then sy_h=$(head -c "$sy_n") || exit 0; fi',
	'       eval "sy_hook_$sy_arg=\\$sy_h"; case $sy_hooks in *" $sy_arg "*) ;; *) sy_hooks="$sy_hooks$sy_arg " ;; esac ;;',
	'    c) eval "sy_hook_$sy_arg=" ;;',
	'  esac',
	'done',
	"if [ \"$sy_groups\" != ' ' ]; then",
	'  for sy_g in $sy_groups; do kill -TERM -"$sy_g" 2>/dev/null; done',
	`  sleep ${killGraceSeconds}`,
	'  for sy_g in $sy_groups; do kill -KILL -"$sy_g" 2>/dev/null; done',
	'fi',
	// Its leader, not the whole group: a service it started may live on in the group.
	'for sy_g in $sy_keep; do while kill -0 "$sy_g" 2>/dev/null; do sleep 1; done; done',
	'for sy_id in $sy_hooks; do eval "sy_h=\\$sy_hook_$sy_id"; [ -z "$sy_h" ] || sh -c "$sy_h" & done',
	'wait',
].join('\n');

function startGuardian(): ChildProcess {
	// Its own group, so a Ctrl-C at the terminal reaches this process and not the guardian.
	const guardian = spawn('sh', ['-c', guardianScript], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
	guardian.on('error', () => {});
	guardian.stdin?.on('error', () => {});
	// Neither keeps this process alive: its end is exactly what the guardian waits for.
	guardian.unref();
	(guardian.stdin as unknown as { unref?: () => void } | null)?.unref?.();
	return guardian;
}

function signalGroup(group: number | undefined, signal: NodeJS.Signals): void {
	if (group === undefined) return;
	try {
		process.kill(-group, signal);
	} catch {
		// Already gone.
	}
}

function feedStdin(stdin: NodeJS.WritableStream | null, input: ExecOptions['stdin']): void {
	if (!stdin) return;
	// The command may exit before reading everything (e.g. tar failing on a full disk).
	stdin.on('error', () => {});
	if (input === undefined) stdin.end();
	else if (input instanceof Readable) input.pipe(stdin);
	else stdin.end(input);
}
