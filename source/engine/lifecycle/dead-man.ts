import path from 'node:path';
import type { HostConfig } from '../../config/types.js';
import { longestValidationMs } from '../health.js';
import { failureReason, type HostSession, type ScriptResult } from '../host-session.js';
import { layout } from '../remote/layout.js';
import { claimLock, ownedByRun } from '../remote/lock.js';
import { marker, quote, script } from '../remote/quote.js';
import { readFinished, thenIfOk } from '../remote/then-if-ok.js';

/*
 * The dead-man switch (deploy-rs's "magic rollback"), both sides and every deadline, in the order
 * a switch meets them:
 *
 *  1. arm        in the swap's own round trip, before `current` moves, a detached process on the
 *                host starts counting;
 *  2. activated  the switch's restarts and hooks are done (or its shell ended without): the
 *                confirmation window starts;
 *  3. confirm    over a new login (which proves new logins still work), or
 *     disarm     before the engine rolls back by itself. Whoever decides first makes
 *                `<token>.decided` (mkdir is atomic): a confirmation after the watchdog decided
 *                fails and says so, and the watchdog never reverts after a confirmation;
 *  4. await      when nobody could decide, the engine waits out the window and reads what the
 *                watchdog did: the revert is then the host's word, never the engine's guess.
 *
 * The watchdog reverts only holding the lock (a free one, or its own run's), so it can never undo
 * a later run's work; a later run disarms the watchdogs of earlier ones under its own lock
 * (`settleEarlierWatchdogs`). The rest of the engine gets a typed verdict.
 */

// ─── Deadlines ──────────────────────────────────────────────────────────────────────────────

/** On top of the switch's own deadline before the watchdog stops waiting for activation: its shell has to start. */
const activationSlackSeconds = 10;
/** After the confirmation window, before the engine reads what the watchdog did: its 1 s polling, and the revert starting. */
const readAfterWindowMs = 2500;
/** For the round trip that waits for a revert to end, beyond that wait itself (the switch's deadline). */
const revertReadSlackMs = 30_000;
/** How long a new run waits for an earlier run's watchdog that is reverting the host right now. */
export const earlierWatchdogWaitSeconds = 60;

/** Seconds from arming until the switch must have activated: the switch's own deadline, and slack. */
const activationSeconds = (host: HostConfig): number => host.timeouts.switchMs / 1000 + activationSlackSeconds;

/**
 * Seconds from activation until the confirmation must be in: the longest validation the host's
 * [health] allows (when it validates) plus `confirm_timeout` for the confirming login.
 */
export function confirmSeconds(host: HostConfig, validate: boolean): number {
	const validation = validate ? longestValidationMs(host.health) / 1000 : 0;
	return Math.ceil(validation + host.confirmTimeoutMs / 1000);
}

// ─── The host's side: scripts, and the readers of what they print ───────────────────────────

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
 * 1. Arms the watchdog: a detached process that counts `activationSeconds` for the switch to
 * touch `<token>.activated` (or for its shell to end without: it failed, or died with its
 * connection), then `confirmSeconds` for a confirmation. Whoever decides first creates
 * `<token>.decided`. It reverts only holding the lock and leaves `<token>.reverted`.
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

/** 2. Appended to the switch: restarts and hooks are done, the confirmation window starts now. */
export const markActivated = (root: string, token: string): string => `: > ${files(root, token).activated} 2>/dev/null || true`;

/**
 * 3. Claims the decision: prints `SY:watchdog-confirmed` and exits 0, or, when the watchdog (or a
 * later run) decided first, prints `SY:watchdog-too-late <by>` and exits 1. Confirms a good
 * switch, and disarms before the engine rolls back by itself.
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
 * 4. After the watchdog decided: waits (at most `seconds`) for its revert to finish, then prints
 * `SY:watchdog-reverted <exit> <time>` when it did.
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
export function settleEarlierWatchdogs(root: string, runId: string, seconds = earlierWatchdogWaitSeconds): string {
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

// ─── The engine's side: one switch's dead-man, and its verdicts ────────────────────────────

/** Where `current` is, read in the same round trip: the strategy's script part and its reader. */
export interface CurrentPart {
	readonly script: string;
	read(markers: readonly string[]): number | null | undefined;
}

/** Why a switch's decision was left to the watchdog. */
export type WatchdogCause =
	/** The switch failed after `current` moved, and the engine could not take the decision back. */
	| { readonly kind: 'failed'; readonly failure: string }
	/** The confirmation came after the watchdog decided. */
	| { readonly kind: 'late' }
	/** New logins failed after the switch: no confirmation could be made. */
	| { readonly kind: 'no-login'; readonly why: string };

/** The why of a decision left to the watchdog, as the log and the outcome say it (`to`: the generation switched to). */
export function causeText(cause: WatchdogCause, to: number): string {
	switch (cause.kind) {
		case 'failed':
			return cause.failure;
		case 'late':
			return `the confirmation of generation ${to} came too late`;
		case 'no-login':
			return `new logins failed after the switch (${cause.why})`;
		default:
			return cause satisfies never;
	}
}

/** What the watchdog did, as the host says. */
export type Revert =
	/** `current` is back on the way back. */
	| { readonly kind: 'reverted'; readonly exit: number; readonly current: number }
	/** No revert the host confirms: where `current` is instead (undefined: it could not be read). */
	| { readonly kind: 'unconfirmed'; readonly current?: number | null };

/** The decision was not the engine's: a later run took it, or the watchdog did (`decidedFirst`: before the engine's claim came), and this is what it did. */
export type Decided =
	| { readonly kind: 'taken-over'; readonly cause: WatchdogCause; readonly by: string }
	| { readonly kind: 'watchdog'; readonly cause: WatchdogCause; readonly decidedFirst: boolean; readonly revert: Revert };

/** A confirmation's verdict: ours, and the switch stays (`finished`: what a `finish` part printed, when it rode along and ran). */
export type Confirmation = { readonly kind: 'confirmed'; readonly current?: number | null; readonly finished?: readonly string[] } | Decided;

/** A disarming's verdict: ours, and the watchdog will not revert (the engine goes back by itself). */
export type Disarming = { readonly kind: 'disarmed' } | Decided;

export interface DeadManInput {
	readonly host: HostConfig;
	/** The run's connection to the host: the claims before going back, and the reads of a revert, go over it. */
	readonly session: HostSession;
	readonly runId: string;
	/** The generation switched to. */
	readonly to: number;
	/** Where `current` was before the switch: the way back. */
	readonly from: number | null;
	readonly validate: boolean;
	readonly current: CurrentPart;
	/** A new login to the host, connecting from now on. */
	login(): Promise<HostSession>;
}

/** The switch needs a dead-man: the host asks for one and there is a way back that is not where it goes. */
export function deadManFor(input: DeadManInput): DeadMan | undefined {
	const { host, from, to } = input;
	return host.watchdog && from !== null && from !== to ? new DeadMan(input, from) : undefined;
}

/** One switch's dead-man, from arming to its verdict. */
export class DeadMan {
	readonly token: string;
	private readonly root: string;

	constructor(
		private readonly input: DeadManInput,
		/** The generation the watchdog goes back to. */
		readonly wayBack: number,
	) {
		this.token = `${input.runId}-${input.to}`;
		this.root = input.host.root;
	}

	/** 1. Rides in front of the swap, in its round trip: `revert` is the switch back to `wayBack`. */
	arm(revert: string): string {
		const { host, runId, validate } = this.input;
		return armWatchdog({ root: this.root, token: this.token, runId, activationSeconds: activationSeconds(host), confirmSeconds: confirmSeconds(host, validate), revert });
	}

	/** 2. Rides after the switch, run only when it succeeded. */
	get activated(): string {
		return markActivated(this.root, this.token);
	}

	/** The confirming login, started as soon as the switch has moved (its handshake then costs the host no time). */
	startLogin(): Promise<HostSession> {
		const login = this.input.login();
		login.catch(() => undefined);
		return login;
	}

	/** The switch never happened: nothing for the watchdog to revert (best effort; it would find `current` unchanged). */
	async abandon(): Promise<void> {
		await this.input.session.run(confirmWatchdog(this.root, this.token, 'engine: the switch did not happen')).catch(() => undefined);
	}

	/**
	 * 3. Confirms a healthy switch over the new login (`finish` rides along when given; it runs
	 * only on a confirmation). When the watchdog decided first its revert is read over that login;
	 * when the login cannot be made, the window is waited out (from `activatedAt`).
	 */
	async confirm(login: Promise<HostSession>, finish: string | undefined, activatedAt: number): Promise<Confirmation> {
		const noLogin = (error: unknown) => this.leftToWatchdog({ kind: 'no-login', why: (error as Error).message.split('\n')[0] ?? '' }, activatedAt);
		let fresh: HostSession;
		try {
			fresh = await login;
		} catch (error) {
			return noLogin(error);
		}
		const close = () => fresh.transport.close().catch(() => undefined);
		const claim = confirmWatchdog(this.root, this.token);
		const result = await fresh.run(finish ? thenIfOk(claim, finish) : script(claim, this.input.current.script)).catch((error: unknown) => error as Error);
		const decision = result instanceof Error ? undefined : readClaim(result.markers);
		if (decision && !decision.confirmed) return this.decidedFirst(decision.by, { kind: 'late' }, fresh, close);
		await close();
		if (result instanceof Error) return noLogin(result);
		if (!decision?.confirmed || result.code !== 0) return noLogin(new Error(failureReason(result)));
		this.input.session.info('watchdog confirmed over a new connection');
		const finished = finish !== undefined && readFinished(result.markers);
		return { kind: 'confirmed', current: this.input.current.read(result.markers), ...(finished ? { finished: result.markers } : {}) };
	}

	/**
	 * 3. The switch failed after it moved: claims the decision, so the engine goes back by itself
	 * and the watchdog never reverts a second time later. When the claim cannot be made, the
	 * watchdog is the only one who can still put the host back: its window is waited out.
	 */
	async disarm(failure: string, activatedAt: number): Promise<Disarming> {
		const { session } = this.input;
		const result = await session.run(confirmWatchdog(this.root, this.token, 'engine: rolling back')).catch(() => undefined);
		const decision = result && readClaim(result.markers);
		const cause: WatchdogCause = { kind: 'failed', failure };
		if (!decision) return this.leftToWatchdog(cause, activatedAt);
		return decision.confirmed ? { kind: 'disarmed' } : this.decidedFirst(decision.by, cause, session, async () => undefined);
	}

	/** Someone decided before the claim: a later run, or the watchdog, whose revert is read over the connection that heard it (then `done`). */
	private async decidedFirst(by: string, cause: WatchdogCause, over: HostSession, done: () => Promise<unknown>): Promise<Decided> {
		if (by !== 'watchdog') {
			await done();
			return { kind: 'taken-over', cause, by };
		}
		this.input.session.info(`${causeText(cause, this.input.to)}: the watchdog decided first and is reverting to generation ${this.wayBack}`);
		try {
			return { kind: 'watchdog', cause, decidedFirst: true, revert: this.revertOf(await this.readRevert(over).catch(() => undefined)) };
		} finally {
			await done();
		}
	}

	/** 4. Nobody could decide: waits out the confirmation window (from `activatedAt`), then reads what the watchdog did. */
	private async leftToWatchdog(cause: WatchdogCause, activatedAt: number): Promise<Decided> {
		const { host, session, validate } = this.input;
		session.info(`${causeText(cause, this.input.to)}; waiting for the watchdog to revert to generation ${this.wayBack}`);
		const deadline = activatedAt + confirmSeconds(host, validate) * 1000 + readAfterWindowMs;
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
		let result = await this.readRevert(session).catch(() => undefined);
		if (result?.code !== 0) {
			const fresh = await this.input.login().catch(() => undefined);
			result = fresh && (await this.readRevert(fresh).catch(() => undefined));
			await fresh?.transport.close().catch(() => undefined);
		}
		return { kind: 'watchdog', cause, decidedFirst: false, revert: this.revertOf(result) };
	}

	/** Waits (up to the switch's deadline) for the watchdog's revert to end, then reads `current`. */
	private readRevert(over: HostSession): Promise<ScriptResult> {
		const { host, current } = this.input;
		return over.run(script(awaitWatchdogRevert(this.root, this.token, host.timeouts.switchMs / 1000), current.script), { timeoutMs: host.timeouts.switchMs + revertReadSlackMs });
	}

	private revertOf(result: ScriptResult | undefined): Revert {
		if (!result || result.code !== 0) return { kind: 'unconfirmed' };
		const reverted = readRevert(result.markers);
		const current = this.input.current.read(result.markers);
		if (reverted && current === this.wayBack) return { kind: 'reverted', exit: reverted.exit, current };
		return current === undefined ? { kind: 'unconfirmed' } : { kind: 'unconfirmed', current };
	}
}
