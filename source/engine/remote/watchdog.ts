import path from 'node:path';
import { layout } from './layout.js';
import { claimLock, ownedByRun } from './lock.js';
import { marker, quote, script } from './quote.js';

/** Markers of the watchdog scripts, read by the readers below. */
export const watchdogMarkers = {
	armed: 'watchdog-armed',
	confirmed: 'watchdog-confirmed',
	/** The decision was taken before the confirmation came: `<by>` is `watchdog` (it reverts) or who disarmed it. */
	tooLate: 'watchdog-too-late',
	reverted: 'watchdog-reverted',
	earlier: 'watchdog-reverted-earlier',
	disarmed: 'watchdog-disarmed',
	/** An earlier run's watchdog was still reverting after the wait: the preflight fails. */
	busy: 'watchdog-busy',
} as const;

export interface WatchdogInput {
	readonly root: string;
	/** Names this switch's watchdog files: `<run id>-<generation>`, letters, digits and "-" only. */
	readonly token: string;
	/** The run that arms it: the only lock under which the watchdog may revert, besides a free one. */
	readonly runId: string;
	/** Seconds from arming until the switch's activation must have finished (the switch's own deadline). */
	readonly activationSeconds: number;
	/** Seconds from the end of activation for validation and the confirming login. */
	readonly confirmSeconds: number;
	/** What to run when no confirmation came: swap back to the previous generation and restart. */
	readonly revert: string;
}

const files = (root: string, token: string) => {
	const dir = path.posix.join(root, '.watchdog');
	const at = (suffix: string) => quote(`${dir}/${token}${suffix}`);
	return { dir: quote(dir), script: at('.sh'), decided: at('.decided'), activated: at('.activated'), reverted: at('.reverted'), skipped: at('.skipped'), log: at('.log') };
};

/**
 * Dead-man revert (deploy-rs's "magic rollback"): before `current` moves, a detached process on
 * the host starts counting. The switch touches `<token>.activated` once its restarts and hooks are
 * done (or its shell ends without: it failed, or died with its connection); from then on the
 * engine has `confirmSeconds` to validate and confirm over a new login
 * (which proves new logins still work). Whoever decides first creates `<token>.decided` (mkdir is
 * atomic): a confirmation that comes after the watchdog decided fails and says so, and the
 * watchdog never reverts after a confirmation. It reverts only holding the lock (a free one, or
 * its own run's), so it can never undo the work of a later run; it leaves `<token>.reverted`.
 */
export function armWatchdog(input: WatchdogInput): string {
	if (!/^[A-Za-z0-9-]+$/.test(input.token)) throw new Error(`bad watchdog token ${input.token}`);
	const paths = files(input.root, input.token);
	const lock = layout(input.root).lock;
	const phase1 = Math.max(1, Math.ceil(input.activationSeconds));
	const phase2 = Math.max(1, Math.ceil(input.confirmSeconds));
	const done = `rm -f ${paths.script} ${paths.activated}`;
	const body = script(
		// $1: the shell running the switch. Once it has marked the switch activated, or ended
		// without doing so (failed, killed with its connection), the confirmation window starts.
		`i=0; deadline=${phase1 + phase2}; settled=; owner=$1`,
		'while [ "$i" -lt "$deadline" ]; do',
		// The host's root is gone (removed, unmounted): nothing left to guard or revert to.
		`  [ -d ${paths.dir} ] || exit 0`,
		// Confirmed or disarmed: nobody will claim again, so nothing of this switch needs to stay.
		`  if [ -d ${paths.decided} ]; then rm -rf ${paths.decided}; ${done}; exit 0; fi`,
		`  if [ -z "$settled" ] && { [ -f ${paths.activated} ] || ! kill -0 "$owner" 2>/dev/null; }; then settled=$i; [ $((i + ${phase2})) -lt "$deadline" ] && deadline=$((i + ${phase2})); fi`,
		'  sleep 1; i=$((i + 1))',
		'done',
		`mkdir ${paths.decided} 2>/dev/null || { ${done}; exit 0; }`,
		`echo watchdog > ${paths.decided}/by`,
		`owner=; [ ! -f ${lock}/owner.json ] || IFS= read -r owner < ${lock}/owner.json || true`,
		// Taken as every run takes it, so no one ever sees it without its owner (and none can rename onto it).
		`if ${claimLock(input.root, { operator: 'watchdog', machine: '', pid: 0, runId: `${input.runId}-watchdog`, startedAt: '' })}; then took=1`,
		`else case "$owner" in ${ownedByRun(input.runId)}) took=0 ;; *) echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) lock held by another run: $owner" > ${paths.skipped}; ${done}; exit 0 ;; esac; fi`,
		`( ${input.revert}\n) > ${paths.log} 2>&1`,
		`echo "$? $(date -u +%Y-%m-%dT%H:%M:%SZ)" > ${paths.reverted}`,
		`[ "$took" = 0 ] || rm -rf ${lock}`,
		done,
	);
	return script(
		`[ -d ${paths.dir} ] || mkdir -p ${paths.dir}`,
		// Written by the shell itself: every process started here is paid for on every host. 0600:
		// the revert script may carry values nobody else should read.
		`(umask 077 && printf '%s\n' ${quote(body)} > ${paths.script})`,
		// Its own session and no terminal, every stream redirected: no hangup can reach it.
		'if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=; fi',
		`$detach sh ${paths.script} "$$" >/dev/null 2>&1 </dev/null &`,
		`echo "${marker}${watchdogMarkers.armed} $!"`,
	);
}

/** Appended to the switch: restarts and hooks are done, the confirmation window starts now. */
export const markActivated = (root: string, token: string): string => `: > ${files(root, token).activated} 2>/dev/null || true`;

/**
 * Claims the decision: prints `SY:watchdog-confirmed` and exits 0, or, when the watchdog (or a
 * later run) decided first, prints `SY:watchdog-too-late <by>` and exits 1. Used to confirm a good
 * switch and to disarm before the engine rolls back itself.
 */
export function confirmWatchdog(root: string, token: string, by = 'confirmed'): string {
	const paths = files(root, token);
	return script(
		`[ -d ${paths.dir} ] || mkdir -p ${paths.dir}`,
		`if mkdir ${paths.decided} 2>/dev/null; then echo ${quote(by)} > ${paths.decided}/by; echo "${marker}${watchdogMarkers.confirmed}"`,
		`else sy_by=; [ ! -f ${paths.decided}/by ] || IFS= read -r sy_by < ${paths.decided}/by; echo "${marker}${watchdogMarkers.tooLate} \${sy_by:-?}"; exit 1; fi`,
	);
}

export type WatchdogClaim = { readonly confirmed: true } | { readonly confirmed: false; readonly by: string };

export function readClaim(markers: readonly string[]): WatchdogClaim | undefined {
	if (markers.includes(watchdogMarkers.confirmed)) return { confirmed: true };
	const late = markers.find((line) => line.startsWith(`${watchdogMarkers.tooLate} `));
	return late === undefined ? undefined : { confirmed: false, by: late.slice(watchdogMarkers.tooLate.length + 1) };
}

/**
 * After the watchdog decided: waits (at most `seconds`) for its revert to finish, then prints
 * `SY:watchdog-reverted <exit> <time>` when it did, and `current`.
 */
export function awaitWatchdogRevert(root: string, token: string, seconds: number): string {
	const paths = files(root, token);
	return script(
		`i=0; while [ -f ${paths.script} ] && [ "$i" -lt ${Math.ceil(seconds)} ]; do sleep 1; i=$((i + 1)); done`,
		`if [ -f ${paths.reverted} ]; then printf '${marker}${watchdogMarkers.reverted} '; cat ${paths.reverted}; fi`,
		'true',
	);
}

export function readRevert(markers: readonly string[]): { readonly exit: number; readonly time: string } | undefined {
	const line = markers.find((each) => each.startsWith(`${watchdogMarkers.reverted} `));
	if (!line) return undefined;
	const [exit, time] = line.slice(watchdogMarkers.reverted.length + 1).split(' ');
	return { exit: Number(exit), time: time ?? '' };
}

/**
 * Run under a new run's lock: the watchdogs of earlier runs that have not decided are disarmed
 * (this run's login proves logins work, and it owns the host now); one that is reverting is
 * waited for (at most `seconds`) so the new run starts from where it leaves the host. Then the
 * reverts of earlier watchdogs are reported and cleared.
 */
export function settleEarlierWatchdogs(root: string, runId: string, seconds: number): string {
	const dir = quote(path.posix.join(root, '.watchdog'));
	return script(
		`for sy_wd in ${dir}/*.sh; do`,
		'  [ -f "$sy_wd" ] || continue',
		'  sy_token=${sy_wd##*/}; sy_token=${sy_token%.sh}',
		`  if mkdir "\${sy_wd%.sh}.decided" 2>/dev/null; then echo ${quote(`disarmed by run ${runId}`)} > "\${sy_wd%.sh}.decided/by"; echo "${marker}${watchdogMarkers.disarmed} $sy_token"`,
		`  else i=0; while [ -f "$sy_wd" ] && [ "$i" -lt ${Math.ceil(seconds)} ]; do sleep 1; i=$((i + 1)); done`,
		`    if [ -f "$sy_wd" ]; then echo "${marker}${watchdogMarkers.busy} $sy_token"; exit 1; fi`,
		'  fi',
		'done',
		`for done_file in ${dir}/*.reverted; do`,
		'  [ -f "$done_file" ] || continue',
		`  printf '${marker}${watchdogMarkers.earlier} %s ' "\${done_file##*/}"; cat "$done_file"`,
		// Kept until now so that a confirmation coming after the revert could only fail.
		'  rm -rf "$done_file" "${done_file%.reverted}.decided" "${done_file%.reverted}.skipped"',
		'done',
		'true',
	);
}

export function readEarlierReverts(markers: readonly string[]): { readonly token: string; readonly exit: string; readonly time: string }[] {
	return markers
		.filter((line) => line.startsWith(`${watchdogMarkers.earlier} `))
		.map((line) => {
			const [, file, exit, time] = line.split(' ');
			return { token: (file ?? '').replace(/\.reverted$/, ''), exit: exit ?? '?', time: time ?? '?' };
		});
}

const tokensOf = (markers: readonly string[], name: string): string[] => markers.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
export const readDisarmed = (markers: readonly string[]): string[] => tokensOf(markers, watchdogMarkers.disarmed);
export const readBusy = (markers: readonly string[]): string[] => tokensOf(markers, watchdogMarkers.busy);
