import { constants } from 'node:os';
import { processGroupWord, reportProcessGroup, shellQuote } from './ssh-cancellable.js';

/**
 * One long-lived `sh` per SSH connection that runs script after script, so a host costs one
 * login-shell start per run instead of one per command (sshd starts the user's login shell,
 * ~/.bashrc and all, for every exec). The engine's contract is unchanged: each script still runs
 * in its own `sh -c`, its own process group, with its own stdin, output and exit status.
 *
 * On the shell's stdin the transport sends, per command, a header line
 * `<script bytes> <1 if stdin follows, else 0> <id>` and the script. Stdin, when there is some,
 * follows as frames `<n>\n<n bytes>`, ended by `0\n`; `head -c` reads exactly n bytes from a
 * pipe (GNU coreutils), so the command stream stays in step. The shell answers on stdout with
 * `␞sy-end <id> <status>` (after `␞sy-exit <id> <status>` when stdin was framed: from then on
 * the transport only has to end the frames) and with `␞sy-end <id>` on stderr, so both streams
 * are known to be complete. `<id>` is random per command: a script cannot fake its own end.
 */

/** ASCII record separator: starts every line the shell itself prints. */
export const shellMark = '\u001e';

/**
 * The exec command that starts the shell. Each script runs in its own `sh -c` under `setsid` (its
 * own process group, as sshd gives a plain exec) whose id the shell reports on stderr first, so
 * cancelling kills exactly that command, never the shell or a service an earlier command started.
 */
export function shellBootstrap(): string {
	const body = [
		'sy_detach=; command -v setsid >/dev/null 2>&1 && sy_detach=setsid',
		'sy_frames() { while IFS= read -r sy_n && [ "$sy_n" -gt 0 ]; do head -c "$sy_n" || exit 1; done; }',
		// In the background so the shell knows its pid, which `setsid` (in a child that leads no group,
		// so it does not fork) makes the group id; fd 3 hands it the stdin a background job would lose.
		'sy_run() {',
		'  $sy_detach sh -c "$1" <&3 3<&- & sy_pid=$!',
		`  [ -n "$sy_detach" ] && ${reportProcessGroup('"$sy_pid"')}`,
		// Quiet: the shell would report a cancelled script as "Terminated", on the script's stderr.
		'  wait "$sy_pid" 2>/dev/null',
		'}',
		"printf '\\036sy-shell-ready\\n'",
		"while IFS=' ' read -r sy_len sy_in sy_id; do",
		'  sy_script=$(head -c "$sy_len") || exit 1',
		'  if [ "$sy_in" = 1 ]; then',
		// The command may stop reading early (a failed tar): the rest of its frames are drained, never left for the loop to read as commands.
		"    sy_frames | { sy_run \"$sy_script\" 3<&0; sy_code=$?; printf '\\036sy-exit %s %s\\n' \"$sy_id\" \"$sy_code\"; cat >/dev/null; exit \"$sy_code\"; }",
		'  else',
		'    sy_run "$sy_script" 3</dev/null',
		'  fi',
		'  sy_code=$?',
		"  printf '\\036sy-end %s %s\\n' \"$sy_id\" \"$sy_code\"",
		"  printf '\\036sy-end %s\\n' \"$sy_id\" >&2",
		'done',
	].join('\n');
	// The login shell only has to run `exec sh -c '…'`, which even a non-POSIX one can.
	return `exec sh -c ${shellQuote(body)}`;
}

/** What the transport writes to start one script. */
export function commandHeader(script: string, id: string, withStdin: boolean): string {
	return `${Buffer.byteLength(script)} ${withStdin ? 1 : 0} ${id}\n${script}`;
}

/** One frame of stdin, and the frame that ends it. */
export const stdinFrame = (size: number, chunks: readonly Buffer[]): Buffer[] => [Buffer.from(`${size}\n`), ...chunks];
export const endOfStdin = '0\n';

/** What the shell says on a line starting with `shellMark`, or undefined for anything else. */
export type ShellLine =
	| { readonly kind: 'ready' }
	| { readonly kind: 'exit' | 'end'; readonly id: string; readonly status?: number }
	| { readonly kind: 'pgid'; readonly pgid: number };

const patterns: readonly [RegExp, (match: RegExpExecArray) => ShellLine][] = [
	[/^sy-shell-ready$/, () => ({ kind: 'ready' })],
	[/^sy-(exit|end) ([0-9a-f]+)(?: (\d+))?$/, (match) => ({ kind: match[1] as 'exit' | 'end', id: match[2]!, status: match[3] === undefined ? undefined : Number(match[3]) })],
	[new RegExp(`^${processGroupWord} (\\d+)$`), (match) => ({ kind: 'pgid', pgid: Number(match[1]) })],
];

/** Parses a line's text after `shellMark`. */
export function parseShellLine(text: string): ShellLine | undefined {
	for (const [pattern, read] of patterns) {
		const match = pattern.exec(text);
		if (match) return read(match);
	}
	return undefined;
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * sh reports a command killed by signal n as status 128 + n; the transport contract reports
 * a signal as such (code null), as a plain exec channel does.
 */
export function statusToExit(status: number): { code: number | null; signal?: string } {
	const signal = status > 128 ? signalNames.get(status - 128) : undefined;
	return signal ? { code: null, signal } : { code: status };
}
