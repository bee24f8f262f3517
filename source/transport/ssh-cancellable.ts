/**
 * Makes a remote command stoppable as a whole. sshd answers a "signal" channel request only
 * for the session's own shell, and not at all in some setups (as root it logs "session
 * signalling requires privilege separation"); closing the channel does not stop a command
 * that is not writing (a `sleep`, a long build). But sshd starts every session in its own
 * process group (setsid), so the transport learns the group's id and, to cancel, runs
 * `kill -TERM -<pgid>` on a second channel, which reaches every process the command started.
 *
 * The script is wrapped so that its first stderr line reports the id; the transport removes
 * that line before anyone sees stderr. `exec` keeps the pid (= the group id) and leaves stdin,
 * stdout, stderr and the exit status exactly the script's own.
 */
// Starts with ASCII "record separator" so no real output line can be mistaken for it.
export const processGroupWord = 'switchyard-pgid';
const marker = `\u001e${processGroupWord} `;
const markerLine = new RegExp(`${marker}(\\d+)\\n`);

/** How long a cancelled command may take to end before its channel (or shell) is closed under it. */
export const cancelGraceMs = 3000;

/** Shell text that prints the line `takeProcessGroup` finds: `pid` is a shell word, e.g. "$$". */
export const reportProcessGroup = (pid: string): string => `printf '${marker}%s\\n' ${pid} >&2`;

export function cancellableScript(script: string): string {
	return `${reportProcessGroup('"$$"')}; exec sh -c ${shellQuote(script)}`;
}

/** Finds the process group line in stderr text: the id, and the text without that line. */
export function takeProcessGroup(stderr: string): { pgid: number; rest: string } | undefined {
	const match = markerLine.exec(stderr);
	if (!match?.[1]) return undefined;
	return { pgid: Number(match[1]), rest: stderr.slice(0, match.index) + stderr.slice(match.index + match[0].length) };
}

/** TERM to the whole group now, KILL a moment later to whatever ignored it; returns at once. */
export function killProcessGroupScript(pgid: number): string {
	if (!Number.isInteger(pgid) || pgid <= 1) throw new Error(`refusing to signal process group ${pgid}`);
	return `kill -TERM -${pgid} 2>/dev/null; (sleep 5; kill -KILL -${pgid} 2>/dev/null) </dev/null >/dev/null 2>&1 & exit 0`;
}

/** One word for sh: single quotes, with embedded ones closed, escaped and reopened. */
export function shellQuote(text: string): string {
	return `'${text.replace(/'/g, `'\\''`)}'`;
}
