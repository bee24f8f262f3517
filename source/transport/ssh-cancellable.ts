/**
 * Makes a remote script stoppable as a whole. sshd delivers a "signal" request only to the
 * session's shell, and a shell waiting for a foreground command (`sleep`, `tar`, a build)
 * defers the signal until that command ends. So the script runs as a background child the
 * shell `wait`s for — `wait` is interrupted by a trapped signal — and the trap signals the
 * whole process group (sshd gives every session its own), so nothing keeps running.
 *
 * Background jobs of a non-interactive shell get /dev/null as stdin, so stdin (e.g. a tar
 * stream) is handed over on fd 3. The exit status, stdout and stderr are the script's own.
 */
export function cancellableScript(script: string): string {
	return [
		"trap 'trap - TERM HUP INT; kill -TERM 0 2>/dev/null; exit 143' TERM HUP INT",
		'exec 3<&0',
		`sh -c ${shellQuote(script)} <&3 3<&- &`,
		'exec 0</dev/null 3<&-',
		'wait $!',
	].join('\n');
}

function shellQuote(text: string): string {
	return `'${text.replace(/'/g, `'\\''`)}'`;
}
