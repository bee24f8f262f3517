import type { ArtifactDiff } from '../artifact.js';
import type { FileChange, StagedHost } from '../events.js';
import type { HostSession } from '../host-session.js';
import type { HostState } from '../host-state.js';
import { expectedAfter, readAtEnd, type SwitchEnd } from './switch-end.js';

/**
 * Where one host is in a run. Each state carries only what is true in it; the transitions below
 * make the next state from the last, and the runs (deploy, rollback, the read-only ones) only
 * choose which. The host's connection and this run's lock on it are its resources beside the
 * state (`HostRun`).
 *
 *   pending ─▶ listed                                   (generations, check)
 *   pending ─▶ inspected ─▶ staged ─▶ switched          (deploy)
 *   pending ─▶ inspected ─▶ switched                    (rollback)
 *   any ─▶ ended
 */
export type HostLifecycle = Pending | Listed | Inspected | Staged | Switched | Ended;

/** Nothing read from the host yet (it may be connecting). */
export interface Pending {
	readonly kind: 'pending';
}

/** Only looked at (a listing, a check): what it listed is the run's word on it; nothing is expected of it. */
export interface Listed {
	readonly kind: 'listed';
	readonly session: HostSession;
	readonly state: HostState;
}

/** Its preflight read it (under this run's lock, or peeking for a dry run): `current` must stay where it is. `diff`: what the artifact changes. */
export interface Inspected {
	readonly kind: 'inspected';
	readonly session: HostSession;
	readonly state: HostState;
	readonly diff?: ArtifactDiff;
}

/** A generation waits on the host to be switched to (`path`: nix's store path for it; `changes`: the files behind its diff). */
export interface Staged {
	readonly kind: 'staged';
	readonly session: HostSession;
	readonly state: HostState;
	readonly staged: StagedHost;
	readonly path?: string;
	readonly changes: readonly FileChange[];
}

/** Its switch to `to` ended as `end` says; `readBack`: where `current` is, as the last round trip read it. */
export interface Switched {
	readonly kind: 'switched';
	readonly session: HostSession;
	readonly state: HostState;
	readonly to: number;
	readonly end: SwitchEnd;
	readonly readBack?: number | null;
}

/** No more work for it. `closing`: script parts its closing round trip still runs (a declined generation's mark). */
export interface Ended {
	readonly kind: 'ended';
	readonly last: Exclude<HostLifecycle, Ended>;
	readonly closing?: string;
}

export const pending: Pending = { kind: 'pending' };

export const listed = (session: HostSession, state: HostState): Listed => ({ kind: 'listed', session, state });

export const inspected = (session: HostSession, state: HostState, diff?: ArtifactDiff): Inspected => ({ kind: 'inspected', session, state, ...(diff ? { diff } : {}) });

export const staged = (from: Inspected, staged: StagedHost, path: string | undefined, changes: readonly FileChange[] = []): Staged => ({
	kind: 'staged',
	session: from.session,
	state: from.state,
	staged,
	...(path === undefined ? {} : { path }),
	changes,
});

export const switched = (from: Inspected | Staged, to: number, end: SwitchEnd): Switched => {
	const current = readAtEnd(end);
	return { kind: 'switched', session: from.session, state: from.state, to, end, ...(current === undefined ? {} : { readBack: current }) };
};

/** The host's generations were read again (deploy's cleanup): its word on `current` replaces the switch's. */
export const readAgain = (from: Switched, current: number | null | undefined): Switched => (current === undefined ? from : { ...from, readBack: current });

export const ended = (from: HostLifecycle, closing?: string): Ended => (from.kind === 'ended' ? from : { kind: 'ended', last: from, ...(closing ? { closing } : {}) });

const unreachable = (state: never): never => {
	throw new Error(`unknown host state ${JSON.stringify(state)}`);
};

/**
 * Where `current` must be if everything this run did is as it believes. Undefined: the run
 * claims nothing (the host was never read, only looked at, or its switch ended in a way no one
 * can vouch for).
 */
export function expectedCurrent(state: HostLifecycle): number | null | undefined {
	switch (state.kind) {
		case 'pending':
		case 'listed':
			return undefined;
		case 'inspected':
		case 'staged':
			return state.state.current;
		case 'switched':
			return expectedAfter(state.end, state.to);
		case 'ended':
			return expectedCurrent(state.last);
		default:
			return unreachable(state);
	}
}

/** Where `current` is as this run's last round trip with the host read it (undefined: not read since it moved). */
export function readBack(state: HostLifecycle): number | null | undefined {
	switch (state.kind) {
		case 'switched':
			return state.readBack;
		case 'ended':
			return readBack(state.last);
		case 'pending':
		case 'listed':
		case 'inspected':
		case 'staged':
			return undefined;
		default:
			return unreachable(state);
	}
}

/** What the host listed in this run (the state its work started from). */
export function knownState(state: HostLifecycle): HostState | undefined {
	switch (state.kind) {
		case 'pending':
			return undefined;
		case 'listed':
		case 'inspected':
		case 'staged':
		case 'switched':
			return state.state;
		case 'ended':
			return knownState(state.last);
		default:
			return unreachable(state);
	}
}

/** The state a step needs, or a loud error: a run that asks for it in another state is a bug, not a host's failure. */
export function expectState<K extends HostLifecycle['kind']>(state: HostLifecycle, kind: K, host: string): Extract<HostLifecycle, { kind: K }> {
	if (state.kind !== kind) throw new Error(`${host} is ${state.kind}, not ${kind}: a step ran out of order`);
	return state as Extract<HostLifecycle, { kind: K }>;
}
