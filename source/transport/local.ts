import { spawn, type ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { LineSplitter } from './line-splitter.js';
import { killGraceSeconds } from './shell-protocol.js';
import type { ExecOptions, ExecResult, Transport } from './transport.js';
import { cancelAnswerMs, cancelKillAfterMs } from './transport.js';

/**
 * Runs scripts on this machine with `sh -c`: a `local = true` host. Each script leads a process
 * group of its own (detached), so a cancel reaches everything it started, and a guardian process
 * (see `guardianScript`) stops those groups and runs the disconnect script if this process dies
 * without `close()`, as the supervisor does on an SSH host.
 */
export class LocalTransport implements Transport {
	readonly kind = 'local';
	readonly describe = 'local';
	private guardian: ChildProcess | undefined;

	async connect(): Promise<void> {}

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
		this.tell(`h ${Buffer.byteLength(text)}\n${text}`);
		return true;
	}

	async close(): Promise<void> {
		const guardian = this.guardian;
		this.guardian = undefined;
		if (!guardian?.stdin || guardian.exitCode !== null) return;
		const gone = new Promise((resolve) => guardian.once('exit', resolve));
		// Waited for: it must keep this process alive until it has gone.
		guardian.ref();
		guardian.stdin.end('q\n');
		await gone;
	}

	/** Tells the guardian (started on first use) what to look after. */
	private tell(line: string): void {
		this.guardian ??= startGuardian();
		this.guardian.stdin?.write(line);
	}
}

/**
 * Lives beside this process, reading what it is told on stdin: `+ <pgid>` / `= <pgid>` (a
 * command's group started; `=`: one to let finish), `- <pgid>` (ended), `h <n>\n<n bytes>` (the
 * disconnect script), `q` (a clean close). End of input without `q` means this process died: the
 * groups get TERM, then KILL; once the ones to finish have, the script runs.
 */
const guardianScript = [
	"sy_groups=' '; sy_keep=' '; sy_hook=",
	'while IFS=" " read -r sy_op sy_arg; do',
	'  case $sy_op in',
	'    +) sy_groups="$sy_groups$sy_arg " ;;',
	'    =) sy_keep="$sy_keep$sy_arg " ;;',
	"    -) sy_left=' '; for sy_g in $sy_groups; do [ \"$sy_g\" = \"$sy_arg\" ] || sy_left=\"$sy_left$sy_g \"; done; sy_groups=$sy_left",
	"       sy_left=' '; for sy_g in $sy_keep; do [ \"$sy_g\" = \"$sy_arg\" ] || sy_left=\"$sy_left$sy_g \"; done; sy_keep=$sy_left ;;",
	'    h) sy_hook=$(head -c "$sy_arg") || exit 0 ;;',
	'    q) exit 0 ;;',
	'  esac',
	'done',
	"if [ \"$sy_groups\" != ' ' ]; then",
	'  for sy_g in $sy_groups; do kill -TERM -"$sy_g" 2>/dev/null; done',
	`  sleep ${killGraceSeconds}`,
	'  for sy_g in $sy_groups; do kill -KILL -"$sy_g" 2>/dev/null; done',
	'fi',
	// Its leader, not the whole group: a service it started may live on in the group.
	'for sy_g in $sy_keep; do while kill -0 "$sy_g" 2>/dev/null; do sleep 1; done; done',
	'[ -z "$sy_hook" ] || exec sh -c "$sy_hook"',
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
