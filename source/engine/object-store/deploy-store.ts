import path from 'node:path';
import { HostFailure } from '../host-session.js';
import { inPhase } from '../lifecycle/host-run.js';
import type { Deploy } from '../deploy-run.js';
import { RunStore } from './run-store.js';

// A deploy's object store: checked once before any host is touched, the shared artifact's
// contents uploaded while the hosts' preflights run.

/**
 * With a `[store]` and hosts that pull: the bucket must answer with this machine's credentials,
 * or each host that pulls fails its preflight with the reason (hosts with `pull = "never"` go on).
 */
export async function checkStore(d: Deploy): Promise<void> {
	const { run, request, phases } = d;
	const config = request.config.store;
	const pulling = run.hosts.filter((host) => !host.ended && host.host.pull !== 'never');
	if (!config || pulling.length === 0 || !phases.some((phase) => phase === 'preflight' || phase === 'upload')) return;
	const store = new RunStore(config, { emit: run.emit, nixCache: path.join(request.config.dir, '.switchyard', 'nix-cache'), ...request.storeOptions });
	try {
		await store.check();
		d.store = store;
	} catch (error) {
		store.close();
		const failure = new HostFailure(`${(error as Error).message.split('\n')[0]} — no host was touched`);
		await Promise.all(
			pulling.map(async (host) => {
				await inPhase(run.emit, host, 'preflight', () => Promise.reject(failure)).catch(() => undefined);
				await run.fail(host, failure);
			}),
		);
	}
}

/** Starts uploading what the store lacks of the shared artifact; hosts wait for it when they stage. */
export function startStoreSync(d: Deploy): void {
	if (!d.store || !d.sharedArtifact || !d.phases.includes('upload')) return;
	// A failure is reported by each host that needed the upload.
	d.store.sync(d.sharedArtifact).catch(() => undefined);
}
