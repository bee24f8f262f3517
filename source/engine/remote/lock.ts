import { layout } from './layout.js';
import { marker, quote, script } from './quote.js';

/** Who holds a lock; written inside the lock dir so a held lock explains itself. */
export interface LockOwner {
	readonly operator: string;
	readonly machine: string;
	readonly pid: number;
	readonly runId: string;
	readonly startedAt: string;
}

/** Exit status of takeLock when someone else holds the lock (EX_TEMPFAIL). */
export const lockHeldExit = 75;

/** Markers of the lock scripts (`SY:<name> …`), read by the readers below. */
export const lockMarkers = { locked: 'locked', held: 'lock-held', broken: 'lock-broken', unlocked: 'unlocked' } as const;

/**
 * A lock that is never seen half-made: the owner is written into a fresh dir, which is then
 * renamed to `.lock` (a rename onto a missing or empty dir is atomic; onto a held lock it fails),
 * so of two operators exactly one gets it, and a run killed mid-way leaves either no lock or a
 * lock that names it. Prints `SY:locked`, or `SY:lock-held <owner json>` and exits 75.
 */
export function takeLock(root: string, owner: LockOwner): string {
	const paths = layout(root);
	const draft = `${paths.root}/.lock.$$`;
	return script(
		`[ -d ${paths.generations} ] && [ -d ${paths.shared} ] || mkdir -p ${paths.generations} ${paths.shared} || exit 1`,
		`rm -rf ${draft}; mkdir ${draft} && printf '%s\\n' ${quote(JSON.stringify(owner))} > ${draft}/owner.json || exit 1`,
		`if mv -T ${draft} ${paths.lock} 2>/dev/null; then`,
		`  echo "${marker}${lockMarkers.locked}"`,
		// Drafts of runs killed before their rename: their shell is gone.
		`  for sy_draft in ${paths.root}/.lock.*; do [ -d "$sy_draft" ] || continue; kill -0 "\${sy_draft##*.}" 2>/dev/null || rm -rf "$sy_draft"; done`,
		`elif [ -d ${paths.lock} ]; then`,
		`  rm -rf ${draft}`,
		`  printf '${marker}${lockMarkers.held} '; tr -d '\\n' < ${paths.lock}/owner.json 2>/dev/null; echo`,
		`  exit ${lockHeldExit}`,
		'else',
		`  mv -T ${draft} ${paths.lock}; rm -rf ${draft}; exit 1`,
		'fi',
	);
}

/**
 * A shell condition that takes the lock as takeLock does (a draft naming its owner, renamed into
 * place), for a taker that decides for itself what a held lock means (the watchdog). True when
 * taken; no draft is left either way.
 */
export function claimLock(root: string, owner: LockOwner): string {
	const paths = layout(root);
	const draft = `${paths.root}/.lock.$$`;
	return `{ rm -rf ${draft}; mkdir ${draft} && printf '%s\\n' ${quote(JSON.stringify(owner))} > ${draft}/owner.json && mv -T ${draft} ${paths.lock} 2>/dev/null || { rm -rf ${draft}; false; }; }`;
}

/** A `case` pattern matching the owner line of a lock this run took. */
export const ownedByRun = (runId: string): string => `*${quote(`"runId":${JSON.stringify(runId)}`)}*`;

/** Removes the lock only if this run owns it, so a late cleanup never frees someone else's lock. */
export function releaseLock(root: string, runId: string): string {
	const paths = layout(root);
	// owner.json is one line (takeLock writes it): read by the shell itself, no grep to start.
	return script(
		`owner=; [ -f ${paths.lock}/owner.json ] && IFS= read -r owner < ${paths.lock}/owner.json`,
		`case "$owner" in ${ownedByRun(runId)}) rm -rf ${paths.lock} && echo "${marker}${lockMarkers.unlocked}" ;; esac`,
	);
}

/** takeLock got the lock. */
export const readLocked = (markers: readonly string[]): boolean => markers.includes(lockMarkers.locked);

/** The owner JSON of a held (`lock-held`) or just broken (`lock-broken`) lock, as printed. */
export function readLockOwner(markers: readonly string[], which: 'held' | 'broken'): { readonly printed: boolean; readonly owner?: LockOwner } {
	const name = lockMarkers[which];
	const line = markers.find((each) => each === name || each.startsWith(`${name} `));
	if (line === undefined) return { printed: false };
	try {
		const owner = JSON.parse(line.slice(name.length).trim()) as LockOwner;
		return { printed: true, owner: typeof owner?.operator === 'string' ? owner : undefined };
	} catch {
		return { printed: true };
	}
}

/** Reports the lock's owner without taking it (prints `SY:lock-held <owner json>` when held). */
export function peekLock(root: string): string {
	const paths = layout(root);
	return `if [ -d ${paths.lock} ]; then printf '${marker}${lockMarkers.held} '; tr -d '\\n' < ${paths.lock}/owner.json 2>/dev/null; echo; fi`;
}

/** Removes whatever lock is there, recording its owner in switches.log first (`--break-lock`). */
export function breakLock(root: string, operator: string, at: string): string {
	const paths = layout(root);
	return script(
		`if [ -d ${paths.lock} ]; then`,
		`  printf '%s\\t%s\\t-\\t-\\tbreak-lock\\t%s\\n' ${quote(at)} ${quote(operator)} "$(tr -d '\\n\\t' < ${paths.lock}/owner.json 2>/dev/null)" >> ${paths.switchesLog}`,
		`  printf '${marker}${lockMarkers.broken} '; tr -d '\\n' < ${paths.lock}/owner.json 2>/dev/null; echo`,
		`  rm -rf ${paths.lock}`,
		'fi',
	);
}
