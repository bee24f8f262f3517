import { failureReason, HostFailure } from '../host-session.js';
import { readFetched, readFetchFailure } from '../remote/fetch.js';
import { nixPullBlockText, pullClosure } from '../remote/nix-pull.js';
import type { StrategyRun } from './strategy.js';

/**
 * A nix host substitutes the closure from the object store instead of receiving it over SSH.
 * True when it did; false when it cannot reach the store and may get the SSH copy instead
 * (`pull = "auto"`, said in its log). A refused (expired) link is signed anew once; a file that
 * does not match its hash, or a host that must pull and cannot, fails the host.
 */
export async function pullClosureFromStore(run: StrategyRun, storePath: string, resigned = false): Promise<boolean> {
	const { session, store } = run;
	if (!store || session.host.pull === 'never') return false;
	let links;
	try {
		links = await store.nixLinks(storePath);
	} catch (error) {
		throw new HostFailure(`${(error as Error).message.split('\n')[0]} — nothing was copied`);
	}
	session.info(`substituting the closure of ${storePath} from the store`);
	const result = await session.run(pullClosure(session.host.root, storePath), { stdin: nixPullBlockText(links), signal: run.signal, timeoutMs: session.host.timeouts.uploadMs });
	if (result.code === 0 && readFetched(result.markers) !== undefined) return true;
	if (run.signal?.aborted) throw new HostFailure('cancelled while substituting the closure');
	const failure = readFetchFailure(result.markers);
	switch (failure?.kind) {
		case undefined:
			throw new HostFailure(`substituting the closure from the store failed: ${failureReason(result)}`);
		case 'unreachable':
		case 'failed': {
			const why = failure.kind === 'unreachable' ? `the host cannot reach the store (${failure.why})` : `the store did not give the host ${failure.file} (${failure.status})`;
			if (session.host.pull === 'always') throw new HostFailure(`${why}; pull = "always", so the closure was not copied over SSH instead`);
			session.info(`${why}: copying the closure over SSH instead (pull = "auto")`);
			return false;
		}
		case 'refused':
			if (resigned) throw new HostFailure(`the store refused the host's download link for ${failure.file} again, after it was signed anew (HTTP ${failure.status})`);
			session.info(`the store refused the host's download link for ${failure.file} (HTTP ${failure.status}: expired?): signing new links`);
			return pullClosureFromStore(run, storePath, true);
		case 'mismatch':
			throw new HostFailure(`${failure.file} from the store does not match its sha256 — nothing was copied`);
	}
}
