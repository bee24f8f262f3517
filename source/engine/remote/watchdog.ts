import { marker, quote, script } from './quote.js';

export interface WatchdogInput {
	readonly root: string;
	/** Names this switch's watchdog files; letters, digits and "-" only. */
	readonly token: string;
	readonly timeoutSeconds: number;
	/** What to run when no confirmation came: swap back to the previous generation and restart. */
	readonly revert: string;
}

const files = (root: string, token: string) => {
	const dir = `${root.replace(/\/$/, '')}/.watchdog`;
	return { dir: quote(dir), script: quote(`${dir}/${token}.sh`), confirmed: quote(`${dir}/${token}.confirmed`), reverted: quote(`${dir}/${token}.reverted`), log: quote(`${dir}/${token}.log`) };
};

/**
 * Dead-man revert (deploy-rs's "magic rollback"): before `current` moves, a detached process
 * on the host starts counting; unless `<token>.confirmed` appears in time, it runs `revert` and
 * leaves `<token>.reverted` behind so the next run can say what happened. The confirmation is
 * written over a new connection, which proves that new logins still work after the switch.
 */
export function armWatchdog(input: WatchdogInput): string {
	if (!/^[A-Za-z0-9-]+$/.test(input.token)) throw new Error(`bad watchdog token ${input.token}`);
	const paths = files(input.root, input.token);
	const seconds = Math.max(1, Math.ceil(input.timeoutSeconds));
	const body = script(
		'i=0',
		`while [ "$i" -lt ${seconds} ]; do`,
		`  if [ -f ${paths.confirmed} ]; then rm -f ${paths.script} ${paths.confirmed}; exit 0; fi`,
		'  sleep 1; i=$((i + 1))',
		'done',
		`if [ -f ${paths.confirmed} ]; then rm -f ${paths.script} ${paths.confirmed}; exit 0; fi`,
		`( ${input.revert}\n) > ${paths.log} 2>&1`,
		`echo "$? $(date -u +%Y-%m-%dT%H:%M:%SZ)" > ${paths.reverted}`,
		`rm -f ${paths.script}`,
	);
	return script(
		`[ -d ${paths.dir} ] || mkdir -p ${paths.dir}`,
		// Written by the shell itself: every process started here is paid for on every host.
		`printf '%s\n' ${quote(body)} > ${paths.script}`,
		// Its own session and no terminal, every stream redirected: no hangup can reach it.
		'if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=; fi',
		`$detach sh ${paths.script} >/dev/null 2>&1 </dev/null &`,
		`echo "${marker}watchdog-armed $!"`,
	);
}

/** Tells the watchdog the switch is good (or that the engine handles the rollback itself). */
export function confirmWatchdog(root: string, token: string): string {
	const paths = files(root, token);
	return `{ [ -d ${paths.dir} ] || mkdir -p ${paths.dir}; } && : > ${paths.confirmed} && echo "${marker}watchdog-confirmed"`;
}

/** Did the watchdog revert? Prints `SY:watchdog-reverted <exit> <time>` when it did. */
export function watchdogOutcome(root: string, token: string): string {
	const paths = files(root, token);
	return `if [ -f ${paths.reverted} ]; then printf '${marker}watchdog-reverted '; cat ${paths.reverted}; fi; true`;
}

/** Reports (and clears) reverts left by watchdogs of earlier runs, e.g. after the deploying machine died. */
export function collectWatchdogReverts(root: string): string {
	const dir = quote(`${root.replace(/\/$/, '')}/.watchdog`);
	return script(
		`for done_file in ${dir}/*.reverted; do`,
		'  [ -f "$done_file" ] || continue',
		`  printf '${marker}watchdog-reverted-earlier %s ' "\${done_file##*/}"; cat "$done_file"`,
		'  rm -f "$done_file"',
		'done',
		'true',
	);
}
