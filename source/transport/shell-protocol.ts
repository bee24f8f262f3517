import { constants } from 'node:os';
import { cancelKillAfterMs } from './transport.js';

/**
 * The remote side of every SSH command: a small `sh` supervisor. One long-lived instance per
 * connection runs script after script (a host costs one login-shell start per run instead of one
 * per command: sshd starts the user's login shell, ~/.bashrc and all, for every exec); a command
 * that finds it busy gets a one-shot instance on an exec channel of its own. Either way each
 * script runs in its own `sh -c` under `setsid` (its own process group; on a host without
 * `setsid`, in the supervisor's, and a cancel signals that `sh` alone), with its own stdin,
 * output and exit status, and the supervisor, not the transport, decides what to kill: it is
 * the parent, it knows the group, and nothing a script prints can change that.
 *
 * The transport writes on the supervisor's stdin:
 *   `<n> <0|1> <id> <0|1>\n<n bytes of script><id>\n`   run a script (first flag: stdin frames
 *                                                  follow; second: it finishes if the connection dies)
 *   `h <n> <id>\n<n bytes><id>\n`                 arm the disconnect script (n = 0 disarms)
 *   `q\n`                                         quit cleanly (the disconnect script does not run)
 * and while a script runs (read by a reader process beside it):
 *   `<n>\n<n bytes>`  a frame of its stdin; `0\n` ends its stdin
 *   `k\n` cancel: TERM to the script's process group, KILL `killGraceSeconds` later
 *   `r\n` the transport has seen the end: the supervisor may read the next command
 *   `x\n` abandon: as cancel, then the supervisor exits without the disconnect script
 * End of input anywhere that is not after `q` (or `x`) means the connection is gone: the running
 * script's group is stopped as on cancel, then the disconnect script runs, then the supervisor exits.
 * The trailing `<id>` makes a script cut short by a lost connection fail its check instead of running.
 *
 * The supervisor answers on stdout: `␞sy-shell-ready <its pid>` once, `␞sy-hooked <id>`, and per
 * script `␞sy-exit <id> <status>` (scripts with stdin: from then on only the frames must end) and
 * `␞sy-end <id> <status>`; on stderr `␞sy-end <id>`, so both streams are known to be complete.
 * `<id>` is random per command and never reaches the script, so a script cannot fake them.
 * Frames are read with `head -c`, which stops at exactly n bytes from a pipe (GNU coreutils; others untested).
 */

/** ASCII record separator: starts every line the supervisor itself prints. */
export const shellMark = '\u001e';

/**
 * Seconds between the TERM a cancelled script's process group gets and the KILL for what ignored
 * it: the contract's `cancelKillAfterMs`, in the whole seconds `sleep` takes everywhere.
 */
export const killGraceSeconds = Math.ceil(cancelKillAfterMs / 1000);

/** A script that reads its stdin: a wrapper in the script's group reports its exit, since `wait` on a pipeline waits for all of it. */
const withStdinWrapper = [
	// Caught (not ignored) so the script itself still gets the default TERM, and the report still goes out.
	'trap : TERM',
	'exec 3<&0 </dev/null',
	// In the background only so that the shell does not print "Terminated" on the script's stderr.
	'sh -c "$1" <&3 3<&- & sy_c=$!',
	'exec 3<&-',
	// A status above 128 may be the TERM that interrupted the wait rather than the script's own.
	'while :; do wait "$sy_c" 2>/dev/null; sy_st=$?; [ "$sy_st" -gt 128 ] && kill -0 "$sy_c" 2>/dev/null || break; done',
	'printf "\\036sy-exit %s %s\\n" "$2" "$sy_st"',
	'exit "$sy_st"',
].join('; ');

const supervisor = [
	'command -v head >/dev/null 2>&1 || exit 97',
	'sy_detach=; command -v setsid >/dev/null 2>&1 && sy_detach=setsid',
	`sy_wrap='${withStdinWrapper}'`,
	'sy_hook=; sy_want=; sy_intr=; sy_pid=; sy_target=; sy_killed=',
	// What the reader asked for; a lost connection or an abandon outranks a cancel.
	'sy_note() { sy_intr=1; case $1 in cancel) [ -n "$sy_want" ] || sy_want=cancel ;; *) [ "$sy_want" = abandon ] || sy_want=$1 ;; esac; sy_act; }',
	// Acted on in the trap itself as well as before each wait: no moment where a request waits unseen.
	'sy_act() {',
	'  [ -n "$sy_want" ] && [ -n "$sy_pid" ] && [ -z "$sy_killed" ] || return 0',
	// A script that must not stop half-way (a switch) outlives a lost connection; the disconnect script waits for it.
	'  [ "$sy_want" = lost ] && [ "$sy_keep" = 1 ] && return 0',
	'  sy_killed=1; sy_target=$sy_pid; [ -z "$sy_detach" ] || sy_target=-$sy_pid',
	'  kill -TERM $sy_target 2>/dev/null',
	// Not a child of ours (double fork): waiting for the reader must not wait for the grace period.
	`  ( (sleep ${killGraceSeconds}; kill -KILL $sy_target 2>/dev/null) </dev/null >/dev/null 2>&1 & )`,
	'}',
	"trap 'sy_note cancel' USR1",
	"trap 'sy_note lost' USR2",
	"trap 'sy_note abandon' TERM",
	// Caught, not ignored (scripts keep the default): the supervisor outlives a vanished channel to run the disconnect script.
	'trap : PIPE',
	// Waits for $1 (every child when empty) until no signal interrupted it; the status is in sy_st.
	'sy_wait() {',
	'  sy_prev=',
	'  while :; do',
	'    sy_intr=; sy_act',
	// Quiet: the shell would report a killed script as "Terminated" on the script's stderr.
	'    wait ${1:+"$1"} 2>/dev/null; sy_st=$?',
	// 127: the interrupted wait had in fact already collected the status.
	'    if [ -n "$1" ] && [ "$sy_st" = 127 ] && [ -n "$sy_prev" ]; then sy_st=$sy_prev; fi',
	'    [ -n "$sy_intr" ] || return 0',
	'    sy_prev=$sy_st',
	'  done',
	'}',
	// The reader beside a running script: its stdin frames (when $1 = 1), then the transport's requests.
	'sy_reader() {',
	'  sy_open=$1',
	'  while IFS= read -r sy_line; do',
	'    case $sy_line in',
	'      k) kill -USR1 $$ ;;',
	'      r) exit 0 ;;',
	'      x) kill -TERM $$; exit 0 ;;',
	'      0) [ -z "$sy_open" ] || { sy_open=; exec >/dev/null; } ;;',
	"      ''|*[!0-9]*) ;;",
	'      *) if [ -n "$sy_open" ]; then head -c "$sy_line"; else head -c "$sy_line" >/dev/null; fi ;;',
	'    esac',
	'  done',
	'  kill -USR2 $$',
	'}',
	// fd 3 is the transport's stream (a background job would get /dev/null as stdin).
	'sy_run() {',
	'  sy_want=; sy_killed=',
	'  if [ "$2" = 1 ]; then',
	// The middle `cat`s sit outside the script's group: once the script is gone (or killed) they still
	// drain its frames, so the stream stays in step.
	'    sy_reader 1 <&3 3<&- | { cat; cat >/dev/null; } 3<&- | $sy_detach sh -c "$sy_wrap" sh "$1" "$sy_id" 3<&- &',
	'    sy_pid=$!',
	'  else',
	'    $sy_detach sh -c "$1" </dev/null 3<&- & sy_pid=$!',
	'    sy_reader 0 <&3 3<&- >/dev/null &',
	'  fi',
	'  sy_wait "$sy_pid"',
	'  sy_pid=',
	`  printf '\\036sy-end %s %s\\n' "$sy_id" "$sy_st"`,
	`  printf '\\036sy-end %s\\n' "$sy_id" >&2`,
	'  sy_wait',
	'}',
	`printf '\\036sy-shell-ready %s\\n' "$$"`,
	'sy_end=lost',
	'while [ "$sy_want" != abandon ] && IFS=" " read -r sy_len sy_in sy_id sy_keep; do',
	'  case $sy_len in',
	'    q) sy_end=quit; break ;;',
	'    h) sy_text=$(head -c "$sy_in") && IFS= read -r sy_tail && [ "$sy_tail" = "$sy_id" ] || break',
	`       sy_hook=$sy_text; printf '\\036sy-hooked %s\\n' "$sy_id"; continue ;;`,
	// Requests that came after their script ended.
	"    ''|*[!0-9]*) continue ;;",
	'  esac',
	'  sy_script=$(head -c "$sy_len") && IFS= read -r sy_tail && [ "$sy_tail" = "$sy_id" ] || break',
	'  sy_run "$sy_script" "$sy_in" 3<&0',
	'  [ "$sy_want" != lost ] || break',
	'done',
	'[ "$sy_want" != abandon ] || sy_end=abandon',
	'exec </dev/null >/dev/null 2>&1',
	'if [ "$sy_end" = lost ] && [ -n "$sy_hook" ]; then sh -c "$sy_hook"; fi',
].join('\n');

/** The supervisor itself, for `sh -c` on this machine (a `local = true` host's shell). */
export const supervisorScript = supervisor;

/**
 * The exec command that starts a supervisor. The login shell only has to run `exec sh -c '…'`,
 * which even a non-POSIX one can.
 */
export function shellBootstrap(): string {
	return `exec sh -c ${shellQuote(supervisor)}`;
}

/** What the transport writes to run one script. */
export function commandText(script: string, id: string, withStdin: boolean, finishIfDisconnected = false): string {
	return `${Buffer.byteLength(script)} ${withStdin ? 1 : 0} ${id} ${finishIfDisconnected ? 1 : 0}\n${script}${id}\n`;
}

/** Arms `script` as the supervisor's disconnect script; undefined disarms. */
export function disconnectScriptText(script: string | undefined, id: string): string {
	const text = script ?? '';
	return `h ${Buffer.byteLength(text)} ${id}\n${text}${id}\n`;
}

/** One frame of stdin as one buffer: a request written between two frames can never split one. */
export function stdinFrame(chunks: readonly Buffer[], size = chunks.reduce((sum, chunk) => sum + chunk.length, 0)): Buffer {
	const head = Buffer.from(`${size}\n`);
	return Buffer.concat([head, ...chunks], head.length + size);
}

export const endOfStdin = '0\n';

/** The transport's requests to a supervisor (see the protocol above). */
export const request = {
	cancel: 'k\n',
	release: 'r\n',
	abandon: 'x\n',
	quit: 'q\n',
} as const;

/** Stops a supervisor that cannot hear `x` on its stdin (e.g. a script that stopped reading its input): from a second channel. */
export function abandonSupervisorScript(pid: number): string {
	if (!Number.isInteger(pid) || pid <= 1) throw new Error(`refusing to signal process ${pid}`);
	return `kill -TERM ${pid} 2>/dev/null; exit 0`;
}

/** What the supervisor says on a line starting with `shellMark`, or undefined for anything else. */
type ShellLine =
	| { readonly kind: 'ready'; readonly pid: number }
	| { readonly kind: 'hooked'; readonly id: string }
	| { readonly kind: 'exit' | 'end'; readonly id: string; readonly status?: number };

const patterns: readonly [RegExp, (match: RegExpExecArray) => ShellLine][] = [
	[/^sy-shell-ready (\d+)$/, (match) => ({ kind: 'ready', pid: Number(match[1]) })],
	[/^sy-hooked ([0-9a-f]+)$/, (match) => ({ kind: 'hooked', id: match[1]! })],
	[/^sy-(exit|end) ([0-9a-f]+)(?: (\d+))?$/, (match) => ({ kind: match[1] as 'exit' | 'end', id: match[2]!, status: match[3] === undefined ? undefined : Number(match[3]) })],
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

/**
 * One word for sh: single quotes, with embedded ones closed, escaped and reopened. Not the
 * engine's `quote` (engine/remote/quote.ts): the engine sits on the transport, not the other way.
 */
function shellQuote(text: string): string {
	return `'${text.replace(/'/g, `'\\''`)}'`;
}
