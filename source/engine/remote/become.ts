import { quote, script } from './quote.js';

/*
 * Acting as another account on a host: the deployment's `user` (restarts, hooks, logs, health),
 * a deploy script's `run_as`, or root for what the login may not do itself (chown, installs into
 * bin_prefix, the frontend, ending runners). Every such command goes through `sy_become`, one
 * shell function built here, so there is one way in per host:
 *
 * - the login is that account already: the command runs as it is;
 * - the host names its way in (`become = "doas -u"`, as deploy-rs names its sudo command): that,
 *   followed by the account and the command;
 * - logged in as root: `runuser` (util-linux, on every Linux), else `setpriv`, else `sudo`; a
 *   minimal Debian or a container as root has no sudo;
 * - otherwise `sudo -n`, which fails instead of asking for a password.
 *
 * When none is there it says which tool is missing (and how to name another); the preflight asks
 * it once per account the host needs (`requireWayIn`), before anything is staged.
 */

/** What the host's config says about getting in: `become`, when it names a way. */
export interface Become {
	readonly become?: string;
}

/** Tried in this order when the login is root and the host names no way in. */
export const rootWaysIn = ['runuser', 'setpriv', 'sudo'] as const;

/** The tool a `become` value runs: its first word. */
export const becomeTool = (become: string): string => become.trim().split(/\s+/)[0]!;

/** Account names reach the shell quoted; this also keeps `~name` below from ever being more than a name. */
const accountPattern = '*[!A-Za-z0-9._-]*';

/**
 * Defines `sy_become ACCOUNT CMD [ARG…]`: runs CMD as ACCOUNT, as said above, with HOME, USER and
 * LOGNAME those of the account (sudo -H, runuser and su do; setpriv is told). The way in is chosen
 * once per script by `sy_way_in`; without one it says which tool is missing and returns 127, like
 * a missing command. `sy_is ACCOUNT`: the login is that account (nothing to get into).
 */
export function becomeFunction(input: Become = {}): string {
	const named = input.become?.trim();
	const tool = named === undefined ? undefined : becomeTool(named);
	const choose = named
		? [`if command -v ${quote(tool!)} >/dev/null 2>&1; then sy_way=named; else echo ${quote(`${tool} is not installed on this host (become = "${named}")`)} >&2; return 127; fi`]
		: [
				'if [ "$(id -u)" -eq 0 ]; then',
				`  for sy_tool in ${rootWaysIn.join(' ')}; do if command -v "$sy_tool" >/dev/null 2>&1; then sy_way=$sy_tool; return 0; fi; done`,
				`  echo ${quote(`logged in as root, and none of ${rootWaysIn.join(', ')} is installed (name a way in with become = "…")`)} >&2; return 127`,
				'fi',
				'if command -v sudo >/dev/null 2>&1; then sy_way=sudo; return 0; fi',
				'echo "sudo is not installed, and the login ($(id -un)) is not root (name a way in with become = \\"doas -u\\", or log in as root)" >&2; return 127',
			];
	return script(
		'sy_is() { [ "$(id -un 2>/dev/null)" = "$1" ] || { [ "$1" = root ] && [ "$(id -u)" -eq 0 ]; }; }',
		'sy_way_in() {',
		'  [ -z "${sy_way:-}" ] || return 0',
		...choose.map((line) => `  ${line}`),
		'}',
		'sy_become() {',
		'  sy_who=$1; shift',
		`  case $sy_who in ''|${accountPattern}) echo "not an account name: $sy_who" >&2; return 2 ;; esac`,
		'  if sy_is "$sy_who"; then "$@"; return; fi',
		'  sy_way_in || return',
		'  case $sy_way in',
		'    runuser) runuser -u "$sy_who" -- "$@" ;;',
		'    sudo) sudo -n -H -u "$sy_who" -- "$@" ;;',
		'    setpriv) eval "sy_home=~$sy_who"; setpriv --reuid="$sy_who" --regid="$(id -g "$sy_who")" --init-groups -- env HOME="$sy_home" USER="$sy_who" LOGNAME="$sy_who" "$@" ;;',
		named && `    named) ${named} "$sy_who" "$@" ;;`,
		'  esac',
		'}',
	);
}

/** One account a host needs to act as, and why (for the message when it cannot). */
export interface WayInNeed {
	readonly account: string;
	/** e.g. `user = "wismut"`, `binaries → /usr/local/bin`. */
	readonly why: string;
	/** Only when the login is not this account (ownership: a login that owns the generations gives nothing away). */
	readonly unlessLogin?: string;
}

/**
 * Fails the script (the preflight: nothing is staged yet) unless the host has a way to act as
 * every needed account: its tool is installed, and sudo, when that is the way, needs no password
 * (`sudo -n -l`: a rule limited to certain commands still passes, as those commands will). Found
 * now, by name, rather than halfway through a switch. Needs `becomeFunction` defined before it.
 */
export function requireWayIn(needs: readonly WayInNeed[]): string {
	return script(
		needs.map((need) => {
			const cannot = (why: string) => `printf '%s\n' ${quote(`cannot act as ${need.account} (${need.why}): `)}${why} >&2; exit 1`;
			const check = script(
				`if ! sy_is ${quote(need.account)}; then`,
				`  if ! sy_way_in 2>/dev/null; then ${cannot('"$(sy_way_in 2>&1)"')}; fi`,
				`  if [ "$sy_way" = sudo ] && ! sudo -n -l >/dev/null 2>&1; then ${cannot('"sudo asks $(id -un) for a password (allow it without one, NOPASSWD, or name another way in with become = …)"')}; fi`,
				'fi',
			);
			return need.unlessLogin === undefined ? check : script(`if ! sy_is ${quote(need.unlessLogin)}; then`, check, 'fi');
		}),
	);
}

/**
 * Fails the script unless `account` can get to the root and read it: every directory above it
 * searchable (x), the root itself readable (r), as that account sees them. A root under a 0700
 * directory (/root, a `mktemp -d`) passes every other check and fails only at the switch, when
 * the account runs something there (`exec: …/deploy.sh: Permission denied`, exit 126). The path
 * is walked as the account, from `/` down, as far as it exists (what is missing, the login makes);
 * the first directory that stops it is named, with its mode and owner. Needs `becomeFunction`.
 */
export function requireReach(account: string, root: string, why: string): string {
	const walk = [
		'r=${1#/}; d=',
		'[ -x / ] || { echo /; exit 1; }',
		'while [ -n "$r" ]; do',
		'  p=${r%%/*}; case $r in */*) r=${r#*/} ;; *) r= ;; esac',
		'  [ -n "$p" ] || continue',
		'  d=$d/$p',
		'  [ -e "$d" ] || exit 0',
		'  [ -x "$d" ] || { echo "$d"; exit 1; }',
		'done',
		'[ -r "${d:-/}" ] || { echo "${d:-/}"; exit 1; }',
	].join('\n');
	const who = quote(account);
	return script(
		`sy_root=${quote(root)}; case $sy_root in /*) ;; *) sy_root=$PWD/$sy_root ;; esac`,
		`if ! sy_block=$(sy_become ${who} sh -c ${quote(walk)} sh "$sy_root" 2>&1 </dev/null); then`,
		'  sy_block=$(printf \'%s\' "$sy_block" | tail -n 1)',
		`  if [ -e "$sy_block" ]; then printf '%s\\n' ${quote(`${account} cannot reach the root `)}"$sy_root"${quote(` (${why}): `)}"$sy_block ($(stat -c '%A %U:%G' -- "$sy_block")) does not let it in; give it x there (and r on the root), or put the root elsewhere" >&2`,
		`  else printf '%s\\n' ${quote(`${account} cannot reach the root `)}"$sy_root"${quote(` (${why}): `)}"$sy_block" >&2; fi`,
		'  exit 1',
		'fi',
	);
}
