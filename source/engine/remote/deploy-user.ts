import path from 'node:path';
import { becomeFunction, requireReach, requireWayIn, type Become, type WayInNeed } from './become.js';
import { quote, script } from './quote.js';

/*
 * The OS user a deployment belongs to (Oqto's `user`, FastDeploy's deploy user). The login may be
 * root or another account: what must be that user's is given to it (`chown`, as root) and what
 * must run as it runs as it; both through `sy_become` (become.ts), one way in per host. When the
 * login is that user already, nothing changes hands.
 */

/**
 * Defines a shell function `name CMD [ARG…]` that runs the command line CMD (with ARGs as $1…)
 * as `user`, in that user's systemd session: `systemctl --user` and `journalctl --user` need
 * XDG_RUNTIME_DIR, which no way in carries over.
 */
export function asUserFunction(name: string, user: string, become: Become = {}): string {
	const who = quote(user);
	return script(
		becomeFunction(become),
		`${name}() {`,
		'  sy_cmd=$1; shift',
		`  if [ "$(id -un)" = ${who} ]; then env XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-/run/user/$(id -u)}" sh -c "$sy_cmd" sh "$@"; return; fi`,
		`  sy_uid=$(id -u ${who}) || { echo ${quote(`no user ${user} on this host`)} >&2; return 1; }`,
		`  sy_become ${who} env XDG_RUNTIME_DIR=/run/user/$sy_uid DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$sy_uid/bus sh -c "$sy_cmd" sh "$@"`,
		'}',
	);
}

/** Fails the script (before anything is staged) when `user` does not exist on the host. */
export function requireUser(user: string, key: string): string {
	return `if ! id -u ${quote(user)} >/dev/null 2>&1; then echo ${quote(`no user ${user} on this host (${key} = "${user}")`)} >&2; exit 1; fi`;
}

export interface AccountsInput extends Become {
	readonly root: string;
	/** The accounts the deployment runs things as (`user`, `run_as`), with the key that names each. */
	readonly accounts: readonly { readonly name: string; readonly key: 'user' | 'run_as' }[];
	/** What the switch does as root when the login is not root (binaries → …, frontend → …, runners), for the message. */
	readonly asRoot: readonly string[];
	/** Who the generations are given to: that needs root, unless the login is the owner. */
	readonly owner?: string;
}

/**
 * The preflight's account checks, before anything is staged: each account exists, the host has a
 * way to act as it (and as root, for what the switch does as root), and it can reach and read the
 * root. Each failure says what is missing: the user, the tool, the directory in the way.
 */
export function requireAccounts(input: AccountsInput): string {
	if (input.accounts.length === 0 && input.asRoot.length === 0) return '';
	const accounts = [...new Map(input.accounts.map((account) => [account.name, account])).values()];
	const root: WayInNeed[] =
		input.asRoot.length > 0 ? [{ account: 'root', why: input.asRoot.join(', ') }] : input.owner !== undefined ? [{ account: 'root', why: `to give the generations to ${input.owner}`, unlessLogin: input.owner }] : [];
	return script(
		accounts.map((account) => requireUser(account.name, account.key)),
		becomeFunction(input),
		requireWayIn([...accounts.map((account) => ({ account: account.name, why: `${account.key} = "${account.name}"` })), ...root]),
		accounts.map((account) => requireReach(account.name, input.root, `${account.key} = "${account.name}"`)),
	);
}

export interface GiveInput extends Become {
	readonly user: string;
	/** The generation dir, as a shell word (it may name a variable: "$gens/$id"). */
	readonly generation: string;
	/** Shared dirs and their parents (quoted paths), given to the user without descending into them. */
	readonly dirs: readonly string[];
}

/**
 * Gives a freshly staged generation (recursively, never through a symlink) and the shared dirs
 * to the user, as root; the generation's `.switchyard/` (metadata, manifest, status, steps) stays
 * the deployer's. If that fails the generation is removed: half-owned, the app could not read its
 * own `.env` (0600).
 */
export function giveToUser(input: GiveInput): string {
	const who = quote(input.user);
	const dirs = input.dirs.length > 0 ? ` && sy_become root chown -h -- ${who}: ${input.dirs.join(' ')}` : '';
	return script(
		`if [ "$(id -un)" != ${who} ]; then`,
		becomeFunction(input),
		`  if ! { sy_become root chown -h -- ${who}: ${input.generation} && sy_become root find ${input.generation} -mindepth 1 -maxdepth 1 ! -name .switchyard -exec chown -R -h -- ${who}: {} +${dirs}; }; then`,
		`    rm -rf -- ${input.generation}`,
		`    echo "could not give the generation to ${input.user.replace(/[^A-Za-z0-9._-]/g, '')} (chown as root, logged in as $(id -un)); it was removed" >&2`,
		'    exit 1',
		'  fi',
		'fi',
	);
}

/**
 * giveToUser for the generation the stage script has just moved into place (`$id`), and the
 * shared dirs with each of their parents under `shared/`.
 */
export function giveStagedGeneration(root: string, user: string, shared: readonly string[], become: Become = {}): string {
	const dirs = shared.length === 0 ? [] : ['shared', ...new Set(shared.flatMap((dir) => dir.split('/').map((_, index, parts) => path.posix.join('shared', ...parts.slice(0, index + 1)))))];
	return giveToUser({ ...become, user, generation: `${quote(path.posix.join(root, 'generations'))}/"$id"`, dirs: dirs.map((dir) => quote(path.posix.join(root, dir))) });
}
