import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** The PATH a login on a Debian host has: what a host's sessions see. */
export const loginPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A host without some tools, without uninstalling them (other work on this machine uses them): a
 * directory `<dir>/bin-without-<tools>` with a link to every command of `loginPath` (the first
 * of each name) except `tools`. Give it as PATH to the host's sessions (the CLI's environment for
 * a local host, sshd's SetEnv for an SSH host). Returns the directory.
 */
export function pathWithout(dir: string, tools: readonly string[]): string {
	const bin = path.join(dir, `bin-without-${tools.join('-')}`);
	if (existsSync(bin)) return bin;
	mkdirSync(bin, { recursive: true, mode: 0o755 });
	const seen = new Set(tools);
	for (const from of loginPath.split(':')) {
		if (!existsSync(from)) continue;
		for (const name of readdirSync(from)) {
			if (seen.has(name)) continue;
			seen.add(name);
			symlinkSync(path.join(from, name), path.join(bin, name));
		}
	}
	return bin;
}
