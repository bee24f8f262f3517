import path from 'node:path';
import { quote, script } from './quote.js';

/*
 * The OS user a deployment belongs to (Oqto's `user`, FastDeploy's deploy user). The login may be
 * root or another account: what must be that user's is given to it (`chown`, through `sudo -n`
 * when the login is not root) and what must run as it goes through `sudo -n -u`, which fails
 * instead of prompting. When the login is that user already, nothing changes hands.
 */

/**
 * Defines a shell function `name CMD [ARG…]` that runs the command line CMD (with ARGs as $1…)
 * as `user`, in that user's systemd session: `systemctl --user` and `journalctl --user` need
 * XDG_RUNTIME_DIR, which sudo does not carry over.
 */
export function asUserFunction(name: string, user: string): string {
	const who = quote(user);
	return script(
		`${name}() {`,
		'  sy_cmd=$1; shift',
		`  if [ "$(id -un)" = ${who} ]; then env XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-/run/user/$(id -u)}" sh -c "$sy_cmd" sh "$@"; return; fi`,
		`  sy_uid=$(id -u ${who}) || { echo ${quote(`no user ${user} on this host`)} >&2; return 1; }`,
		`  sudo -n -H -u ${who} -- env XDG_RUNTIME_DIR=/run/user/$sy_uid DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$sy_uid/bus sh -c "$sy_cmd" sh "$@"`,
		'}',
	);
}

/** Fails the script (before anything is staged) when `user` does not exist on the host. */
export function requireUser(user: string, key: string): string {
	return `if ! id -u ${quote(user)} >/dev/null 2>&1; then echo ${quote(`no user ${user} on this host (${key} = "${user}")`)} >&2; exit 1; fi`;
}

export interface GiveInput {
	readonly user: string;
	/** The generation dir, as a shell word (it may name a variable: "$gens/$id"). */
	readonly generation: string;
	/** Shared dirs and their parents (quoted paths), given to the user without descending into them. */
	readonly dirs: readonly string[];
}

/**
 * Gives a freshly staged generation (recursively, never through a symlink) and the shared dirs
 * to the user; the generation's `.switchyard/` (metadata, manifest, status, steps) stays the
 * deployer's. If that fails the generation is removed: half-owned, the app could not read its
 * own `.env` (0600).
 */
export function giveToUser(input: GiveInput): string {
	const who = quote(input.user);
	const dirs = input.dirs.length > 0 ? ` && $sy_sudo chown -h -- ${who}: ${input.dirs.join(' ')}` : '';
	return script(
		`if [ "$(id -un)" != ${who} ]; then`,
		'  sy_sudo=; [ "$(id -u)" -eq 0 ] || sy_sudo="sudo -n"',
		`  if ! { $sy_sudo chown -h -- ${who}: ${input.generation} && $sy_sudo find ${input.generation} -mindepth 1 -maxdepth 1 ! -name .switchyard -exec chown -R -h -- ${who}: {} +${dirs}; }; then`,
		`    rm -rf -- ${input.generation}`,
		`    echo "could not give the generation to ${input.user.replace(/[^A-Za-z0-9._-]/g, '')} (chown as $(id -un)); it was removed" >&2`,
		'    exit 1',
		'  fi',
		'fi',
	);
}

/**
 * giveToUser for the generation the stage script has just moved into place (`$id`), and the
 * shared dirs with each of their parents under `shared/`.
 */
export function giveStagedGeneration(root: string, user: string, shared: readonly string[]): string {
	const dirs = shared.length === 0 ? [] : ['shared', ...new Set(shared.flatMap((dir) => dir.split('/').map((_, index, parts) => path.posix.join('shared', ...parts.slice(0, index + 1)))))];
	return giveToUser({ user, generation: `${quote(path.posix.join(root, 'generations'))}/"$id"`, dirs: dirs.map((dir) => quote(path.posix.join(root, dir))) });
}
