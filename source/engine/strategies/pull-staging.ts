import { Readable } from 'node:stream';
import type { Artifact, ArtifactFile } from '../artifact.js';
import { failureReason, HostFailure, type ScriptResult } from '../host-session.js';
import type { RunStore } from '../object-store/run-store.js';
import { readFetched, readFetchFailure } from '../remote/fetch.js';
import { pullBlockText, pullStageHeader } from '../remote/pull.js';
import { discardPartial, readStaged } from '../remote/stage.js';
import type { PreparedUpload, Staged, StrategyRun } from './strategy.js';

/**
 * A releases generation staged by pulling from the object store, and what happens when the pull
 * fails: a host that cannot reach the store is pushed to over SSH instead (`pull = "auto"`) or
 * fails (`"always"`); a refused link (expired) is signed anew once; a file whose content does
 * not match its hash fails the host before anything is staged. Each retry is a round trip of its
 * own; the host's lock is held throughout.
 */
export interface PullUpload extends PreparedUpload {
	readonly pull: {
		readonly input: PullInput;
		/** What this host lacks: the rest is hard-linked from the generation it reuses. */
		readonly fetch: readonly ArtifactFile[];
		/** Links were signed anew after the store refused them. */
		readonly resigned: boolean;
		/** Set when the engine could not prepare the pull (the store failed): the block was cut short. */
		failure?: Error;
	};
}

export const isPullUpload = (upload: PreparedUpload): upload is PullUpload => 'pull' in upload;

export interface PullInput {
	readonly store: RunStore;
	/** The artifact as built (synced to the store whole) and the generation's files (less its shared dirs). */
	readonly id: number;
	readonly reuseFrom: number | null;
	readonly artifact: Artifact;
	readonly listed: readonly ArtifactFile[];
	readonly unchanged: ReadonlySet<string>;
	readonly diff: PreparedUpload['diff'];
	/** The tar a pulled generation still gets over SSH (metadata, .env, links, status). */
	readonly skeleton: () => Readable;
	/** The same generation as a push, for a host that cannot pull. */
	readonly push: () => PreparedUpload;
}

export function preparePull(input: PullInput, resigned = false): PullUpload {
	const fetch = input.listed.filter((file) => !input.unchanged.has(file.path));
	const pull: PullUpload['pull'] = { input, fetch, resigned };
	async function* body(): AsyncGenerator<Buffer> {
		try {
			const block = await input.store.pullBlock({ artifact: input.artifact, listed: input.listed, fetch, fresh: resigned });
			yield Buffer.from(pullBlockText(block));
		} catch (error) {
			// No `end`: the host stops, nothing staged; `settlePull` says why.
			pull.failure = error as Error;
			return;
		}
		for await (const chunk of input.skeleton()) yield chunk as Buffer;
	}
	return { id: input.id, header: pullStageHeader(input.id, input.reuseFrom), body: Readable.from(body()), diff: input.diff, pull };
}

/** How the stage script runs again (the strategy's own, with its ownership step). */
export type StageAgain = (run: StrategyRun, upload: PreparedUpload) => Promise<Staged>;

export async function settlePull(run: StrategyRun, upload: PullUpload, result: ScriptResult, again: StageAgain): Promise<Staged> {
	const { session } = run;
	const { pull } = upload;
	const { input } = pull;
	if (result.code === 0 && readStaged(result.markers, upload.id)) {
		session.info(`pulled ${readFetched(result.markers) ?? pull.fetch.length} file${pull.fetch.length === 1 ? '' : 's'} from the store; ${input.listed.length - pull.fetch.length} linked from generation ${input.reuseFrom ?? '-'}`);
		return { id: upload.id, diff: upload.diff };
	}
	await session.run(discardPartial(session.host.root, upload.id)).catch(() => undefined);
	if (run.signal?.aborted) throw new HostFailure('cancelled during upload; partial generation removed');
	if (pull.failure) throw new HostFailure(`${pull.failure.message.split('\n')[0]} — nothing was staged`);
	const failure = readFetchFailure(result.markers);
	if (!failure) throw new HostFailure(`pull of generation ${upload.id} failed: ${failureReason(result)}`);
	switch (failure.kind) {
		case 'unreachable':
		case 'failed': {
			const why = failure.kind === 'unreachable' ? `the host cannot reach the store (${failure.why})` : `the store did not give the host ${failure.file} (${failure.status})`;
			if (session.host.pull === 'always') throw new HostFailure(`${why}; pull = "always", so nothing was pushed instead — nothing was staged`);
			session.info(`${why}: pushing over SSH instead (pull = "auto")`);
			return again(run, input.push());
		}
		case 'refused':
			if (pull.resigned) throw new HostFailure(`the store refused the host's download link for ${failure.file} again, after it was signed anew (HTTP ${failure.status}) — nothing was staged`);
			session.info(`the store refused the host's download link for ${failure.file} (HTTP ${failure.status}: expired?): signing new links`);
			return again(run, preparePull(input, true));
		case 'mismatch': {
			const object = pull.fetch.find((file) => file.path === failure.file);
			const removed = object ? await input.store.removeContent(object.sha256) : false;
			const after = removed ? '; the object was removed from the store, the next deploy uploads it again' : '';
			throw new HostFailure(`${failure.file} from the store does not match its sha256 — nothing was staged${after}`);
		}
	}
}
