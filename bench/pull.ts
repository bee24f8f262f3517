import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startFleet, type Fleet } from '../test/fleet/fleet.js';
import type { WanCounters } from '../test/fleet/wan-proxy.js';
import { startS3Server, type S3Server } from '../test/support/s3-server.js';
import { changeOneFile, writeArtifact, type BenchArtifact } from './support/artifact.js';
import { medianOf, ratio, seconds, timed } from './support/run.js';
import { hostsToml, phaseSummary, requireCli, switchyard, type CliRun } from './support/switchyard.js';

/**
 * `npm run bench:pull` (issue #22, "fleets past one uplink"): BENCH_HOSTS (30) sshd hosts behind
 * the WAN proxy, each BENCH_RTT (40) ms away with BENCH_MBIT (100) Mbit/s of its own, the
 * operator's link BENCH_UPLINK_MBIT (20) Mbit/s shared by everything the operator sends; a real
 * S3-compatible server (s3rver, signatures checked) that the operator reaches through its link
 * and each host through its own (the store is not behind the operator's uplink; a host's curl
 * is pointed at its own path to the store by a .curlrc `connect-to`).
 *
 * 1. first deploy of BENCH_FILES (100) files / BENCH_BYTES (20 MB) of random bytes to every host,
 *    push (no [store]) vs pull: wall, bytes through the operator's uplink;
 * 2. an artifact of BENCH_REDEPLOY_FILES (1000) files / the same bytes, deployed by pull to
 *    BENCH_REDEPLOY_HOSTS (5) of the hosts, then re-deployed with one file changed: bytes
 *    uploaded to the store, what each host fetched. (Fewer hosts and files than the first part
 *    only because the test store, s3rver, is one Node process: 30 hosts × 1,000 GETs cost it
 *    more CPU than this machine has to spare; a real store serves them in parallel.)
 * 3. BENCH_FAST_HOSTS (4) hosts on plain loopback, store just as close: push vs pull wall,
 *    medians of BENCH_ROUNDS (3), the order alternating.
 *
 * `watchdog = false` and no health checks: what is measured is how the artifact travels.
 */
const hostCount = Number(process.env.BENCH_HOSTS ?? 30);
const fileCount = Number(process.env.BENCH_FILES ?? 100);
const redeployFiles = Number(process.env.BENCH_REDEPLOY_FILES ?? 1000);
const redeployHosts = Number(process.env.BENCH_REDEPLOY_HOSTS ?? 5);
const totalBytes = Number(process.env.BENCH_BYTES ?? 20_000_000);
const fastHosts = Number(process.env.BENCH_FAST_HOSTS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const shape = { rttMs: Number(process.env.BENCH_RTT ?? 40), mbit: Number(process.env.BENCH_MBIT ?? 100), uplinkMbit: Number(process.env.BENCH_UPLINK_MBIT ?? 20) };

const mbytes = (bytes: number) => (bytes / 1e6).toFixed(2);

interface Setup {
	readonly fleet: Fleet;
	readonly work: string;
	readonly artifact: BenchArtifact;
	readonly endpoint: string;
	readonly server: S3Server;
}

function config(setup: Setup, name: string, options: { store?: string; roots: string; hosts?: number }): string {
	const file = join(setup.work, `${name}.toml`);
	const hosts = setup.fleet.hosts.slice(0, options.hosts).map((host) => ({ name: host.name, ssh: host.name, root: join(host.root, options.roots) }));
	const store = options.store === undefined ? '' : `\n[store]\nurl = "s3://${setup.server.bucket}/${options.store}"\nendpoint = "${setup.endpoint}"\n`;
	writeFileSync(file, hostsToml({ app: 'pull', artifact: setup.artifact.dir, hosts, watchdog: false }) + store);
	return file;
}

async function deploy(setup: Setup, file: string): Promise<{ ms: number; run: CliRun }> {
	let run: CliRun | undefined;
	const ms = await timed(async () => (run = await switchyard(['deploy', '--yes', '--skip-build'], { cwd: setup.work, config: file, sshConfig: setup.fleet.sshConfigFile, home: setup.fleet.dir })));
	return { ms, run: run! };
}

/** What left the operator's machine: towards every host over SSH, and towards the store. */
function uplink(counters: Record<string, WanCounters>): { ssh: number; store: number } {
	let ssh = 0;
	for (const [name, count] of Object.entries(counters)) if (name !== 'store' && !name.endsWith('@store')) ssh += count.toHost;
	return { ssh, store: counters.store?.toHost ?? 0 };
}

const logLines = (run: CliRun) =>
	run.stdout
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line) as { type: string; host?: string | null; line?: string })
		.filter((event) => event.type === 'log')
		.map((event) => `${event.host ?? '-'} ${event.line ?? ''}`);

async function main(): Promise<void> {
	requireCli();
	const base = join(repoRoot, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const work = mkdtempSync(join(base, 'bench-pull-'));
	const server = await startS3Server({ dir: join(work, 's3') });
	Object.assign(process.env, server.env);
	const names = Array.from({ length: hostCount }, (_, index) => `fleet-${index + 1}`);
	const curlHome = (name: string) => join(work, 'curl', name);
	for (const name of names) mkdirSync(curlHome(name), { recursive: true });
	const fleet = await startFleet({ hosts: names.map((name) => ({ name, env: { CURL_HOME: curlHome(name) } })), wan: shape, wanStore: { port: server.port } });
	const stopAll = async () => {
		await fleet.stop();
		await server.stop();
		if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true });
	};
	const interrupted = (signal: NodeJS.Signals) => void stopAll().finally(() => process.kill(process.pid, signal));
	process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
	try {
		const storePort = fleet.wan!.storePort!;
		// Each host's curl reaches the store (signed for the operator's address) over its own link.
		for (const name of names) writeFileSync(join(curlHome(name), '.curlrc'), `connect-to = "127.0.0.1:${storePort}:127.0.0.1:${fleet.wan!.hostStorePort(name)}"\n`);
		const artifact = writeArtifact(join(work, 'artifact'), fileCount, totalBytes);
		const setup: Setup = { fleet, work, artifact, endpoint: `http://127.0.0.1:${storePort}`, server };
		console.log(`pull: ${hostCount} sshd hosts, artifact ${fileCount} files ${mbytes(artifact.bytes)} MB (random bytes), load ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
		console.log(`network: ${shape.rttMs} ms round trip, ${shape.mbit} Mbit/s per host, operator's link ${shape.uplinkMbit} Mbit/s shared by all; the store reached by each host over its own link`);

		fleet.wan!.reset();
		const push = await deploy(setup, config(setup, 'push', { roots: 'push' }));
		const pushBytes = uplink(fleet.wan!.counters());
		fleet.wan!.reset();
		const pullFile = config(setup, 'pull', { store: 'bench', roots: 'pull' });
		const pull = await deploy(setup, pullFile);
		const pullCounters = fleet.wan!.counters();
		const pullBytes = uplink(pullCounters);
		const firstFromStore = names.map((name) => pullCounters[`${name}@store`]?.fromHost ?? 0);
		const pulled = logLines(pull.run).filter((line) => / pulled \d+ files? from the store/.test(line)).length;
		console.log('');
		console.log(`first deploy, ${hostCount} hosts:`);
		console.log(`  push: ${seconds(push.ms)} s; operator's uplink ${mbytes(pushBytes.ssh)} MB (×${(pushBytes.ssh / artifact.bytes).toFixed(2)} the artifact)`);
		console.log(`  pull: ${seconds(pull.ms)} s; operator's uplink ${mbytes(pullBytes.ssh + pullBytes.store)} MB = ${mbytes(pullBytes.store)} MB to the store + ${mbytes(pullBytes.ssh)} MB over SSH (×${((pullBytes.ssh + pullBytes.store) / artifact.bytes).toFixed(3)} the artifact); ${pulled} of ${hostCount} hosts pulled, each receiving ${mbytes(medianOf(firstFromStore))} MB from the store over its own link (median); operator's downlink ${mbytes(pullCounters.store?.fromHost ?? 0)} MB from the store`);
		console.log(`  phases (median over hosts): push ${phaseSummary(push.run.phases)}; pull ${phaseSummary(pull.run.phases)}`);
		console.log(`  pull is ${(push.ms / pull.ms).toFixed(1)}× faster (pull ${ratio(pull.ms, push.ms)} of push); target ≥ 10×, uplink ≤ 1.05×`);

		const many = writeArtifact(join(work, 'many'), redeployFiles, totalBytes);
		const manySetup: Setup = { ...setup, artifact: many };
		const manyFile = config(manySetup, 'redeploy', { store: 'bench-many', roots: 'many', hosts: redeployHosts });
		await deploy(manySetup, manyFile);
		const changed = changeOneFile(many, 1);
		fleet.wan!.reset();
		const again = await deploy(manySetup, manyFile);
		const counters = fleet.wan!.counters();
		const againBytes = uplink(counters);
		const fetchedOne = logLines(again.run).filter((line) => / pulled 1 file from the store/.test(line)).length;
		const fromStore = names.slice(0, redeployHosts).map((name) => counters[`${name}@store`]?.fromHost ?? 0);
		console.log('');
		console.log(`re-deploy to ${redeployHosts} hosts, 1 of ${redeployFiles} files changed (${(changed.bytes / 1e3).toFixed(1)} KB of ${mbytes(many.bytes)} MB), pull: ${seconds(again.ms)} s`);
		console.log(`  uploaded to the store: ${(againBytes.store / 1e3).toFixed(1)} KB = ${((againBytes.store / many.bytes) * 100).toFixed(2)} % of the artifact (target ≤ 1 %)`);
		console.log(`  ${fetchedOne} of ${redeployHosts} hosts fetched exactly 1 file; each host received ${(medianOf(fromStore) / 1e3).toFixed(1)} KB from the store (median: the file, the file list, the links, HTTP)`);
		console.log(`  over SSH: ${(againBytes.ssh / redeployHosts / 1e3).toFixed(1)} KB per host; phases ${phaseSummary(again.run.phases)}`);

		await fast(setup);
	} finally {
		await stopAll();
	}
}

/** The store as close as the hosts: is pulling any slower when the uplink is not the limit? */
async function fast(wide: Setup): Promise<void> {
	const fleet = await startFleet({ hosts: fastHosts });
	try {
		const setup: Setup = { ...wide, fleet, endpoint: wide.server.endpoint };
		const samples = { push: [] as number[], pull: [] as number[] };
		for (let round = 0; round < rounds; round++) {
			const order = round % 2 === 0 ? (['push', 'pull'] as const) : (['pull', 'push'] as const);
			for (const method of order) {
				// A fresh root and, for pull, a fresh prefix: every round uploads the whole artifact, as a first deploy does.
				const file = config(setup, `fast-${method}-${round}`, { roots: `fast-${method}-${round}`, ...(method === 'pull' ? { store: `fast-${round}` } : {}) });
				samples[method].push((await deploy(setup, file)).ms);
			}
		}
		const [push, pull] = [medianOf(samples.push), medianOf(samples.pull)];
		console.log('');
		console.log(`${fastHosts} hosts on loopback, the store as close (medians of ${rounds}): push ${seconds(push)} s, pull ${seconds(pull)} s: pull ×${(pull / push).toFixed(2)} of push (target ≤ 1.2×); load ${loadavg()[0]!.toFixed(2)}`);
	} finally {
		await fleet.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.stack : error);
	process.exitCode = 1;
});
