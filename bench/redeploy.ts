import { existsSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../test/fleet/fleet.js';
import type { WanShape } from '../test/fleet/wan-proxy.js';
import { changeOneFile, writeArtifact, type BenchArtifact } from './support/artifact.js';
import { countHostProcesses, describeCount, type ProcessCount } from './support/host-processes.js';
import { mb, medianOf, must, ratio, seconds, timed } from './support/run.js';
import { cli, hostsToml, phaseSummary, reportsTrips, requireCli, switchyard, type PhaseEvent } from './support/switchyard.js';

/**
 * `npm run bench:redeploy` (issue #14, "re-deploys that send and spawn almost nothing"):
 * BENCH_HOSTS (10) sshd hosts behind the WAN proxy (BENCH_RTT 40 ms, BENCH_MBIT 100 per host,
 * BENCH_UPLINK_MBIT 1000 for the operator; BENCH_WAN=0 for plain loopback), an artifact of
 * BENCH_FILES (1000) files / BENCH_BYTES (200 MiB) of random bytes, deployed once; then each
 * round changes one file and re-deploys it with
 *
 * - Switchyard: the built CLI, `deploy --yes --skip-build --json` (watchdog on, the default);
 * - the baseline: `rsync -a --link-dest=<previous release>` into a new release dir on every host
 *   in parallel, then one `ssh host 'ln -s … && mv -T …'` switch per host.
 *
 * Prints the bytes each sent per host (the proxy's counters) as a share of the artifact, wall
 * times as ratios (medians of BENCH_ROUNDS, default 3, after a warm-up round; the order of the
 * two alternates), and the processes a re-deploy starts on one host (strace on its sshd) with
 * BENCH_SMALL_FILES (100) and with BENCH_FILES files: constant in the file count is the target.
 */
const hostCount = Number(process.env.BENCH_HOSTS ?? 10);
const fileCount = Number(process.env.BENCH_FILES ?? 1000);
const totalBytes = Number(process.env.BENCH_BYTES ?? 200 * 1024 * 1024);
const smallFiles = Number(process.env.BENCH_SMALL_FILES ?? 100);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const wan: WanShape | undefined =
	process.env.BENCH_WAN === '0' ? undefined : { rttMs: Number(process.env.BENCH_RTT ?? 40), mbit: Number(process.env.BENCH_MBIT ?? 100), uplinkMbit: Number(process.env.BENCH_UPLINK_MBIT ?? 1000) };

interface Setup {
	readonly fleet: Fleet;
	readonly work: string;
	readonly artifact: BenchArtifact;
	readonly config: string;
	/** Release serial of the rsync baseline. */
	rsyncSerial: number;
}

async function main(): Promise<void> {
	requireCli();
	await must('rsync', ['--version']).catch(() => {
		throw new Error('rsync is not installed (apt-get install -y rsync): it is the baseline');
	});
	const fleet = await startFleet({ hosts: hostCount, wan, keepDir: process.env.BENCH_KEEP === '1' });
	const interrupted = (signal: NodeJS.Signals) => void fleet.stop().finally(() => process.kill(process.pid, signal));
	process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
	try {
		const work = join(fleet.dir, 'bench');
		const artifact = writeArtifact(join(work, 'artifact'), fileCount, totalBytes);
		const config = join(work, 'hosts.toml');
		writeFileSync(config, hostsToml({ app: 'redeploy', artifact: artifact.dir, hosts: fleet.hosts.map((host) => ({ name: host.name, ssh: host.name, root: join(host.root, 'switchyard') })) }));
		const setup: Setup = { fleet, work, artifact, config, rsyncSerial: 0 };
		console.log(`redeploy: ${cli}, ${hostCount} sshd hosts, artifact ${fileCount} files ${mb(artifact.bytes)} MiB (random bytes), one file (~${mb(artifact.bytes / fileCount)} MiB) changed per round, medians of ${rounds}, load ${loadavg()[0]!.toFixed(2)}`);
		console.log(wan ? `network: WAN proxy, ${wan.rttMs} ms round trip, ${wan.mbit} Mbit/s per host, ${wan.uplinkMbit} Mbit/s operator link shared by all hosts` : 'network: loopback (BENCH_WAN=0)');

		const first = { sy: await timed(() => deploySwitchyard(setup)), rsync: await timed(() => deployRsync(setup)) };
		console.log(`first deploy (everything sent): Switchyard ${seconds(first.sy)} s, rsync + switch ${seconds(first.rsync)} s`);

		const samples = { sy: [] as number[], rsync: [] as number[], rsyncOnly: [] as number[], syBytes: [] as number[], rsyncBytes: [] as number[] };
		let phases: readonly PhaseEvent[] = [];
		for (let round = 0; round <= rounds; round++) {
			const last = { sy: 0, rsync: 0 };
			changeOneFile(artifact, round);
			const order = round % 2 === 0 ? (['sy', 'rsync'] as const) : (['rsync', 'sy'] as const);
			for (const method of order) {
				fleet.wan?.reset();
				if (method === 'sy') {
					let events: readonly PhaseEvent[] = [];
					last.sy = await timed(async () => (events = await deploySwitchyard(setup)));
					if (round > 0) samples.sy.push(last.sy);
					phases = events;
				} else {
					const split = await deployRsync(setup);
					last.rsync = split.total;
					if (round > 0) {
						samples.rsync.push(split.total);
						samples.rsyncOnly.push(split.rsync);
					}
				}
				const sent = perHostBytes(fleet);
				if (round > 0 && sent !== undefined) (method === 'sy' ? samples.syBytes : samples.rsyncBytes).push(sent);
			}
			console.log(`  round ${round}${round === 0 ? ' (warm-up)' : ''}: Switchyard ${seconds(last.sy)} s, rsync + switch ${seconds(last.rsync)} s (load ${loadavg()[0]!.toFixed(2)})`);
		}

		const sy = medianOf(samples.sy);
		const rsync = medianOf(samples.rsync);
		console.log(`\n==== re-deploy, one file changed, ${hostCount} hosts (median wall) ====`);
		console.log(`Switchyard deploy --yes --skip-build        ${seconds(sy)} s`);
		console.log(`rsync -a --link-dest + ssh switch            ${seconds(rsync)} s   (rsync alone ${seconds(medianOf(samples.rsyncOnly))} s)`);
		console.log(`Switchyard ÷ rsync + switch  [target ≤ 1.00] ${ratio(sy, rsync)}`);
		if (samples.syBytes.length > 0) {
			const share = (bytes: number) => `${((bytes / artifact.bytes) * 100).toFixed(2)} % of the artifact`;
			console.log(`sent per host (WAN proxy): Switchyard ${(medianOf(samples.syBytes) / 1024).toFixed(0)} KiB = ${share(medianOf(samples.syBytes))} [target ≤ 1 % plus the manifest]; rsync ${(medianOf(samples.rsyncBytes) / 1024).toFixed(0)} KiB = ${share(medianOf(samples.rsyncBytes))}`);
		}
		console.log(`Switchyard per host per phase: ${phaseSummary(phases)}${reportsTrips(phases) ? '' : '  (this build reports no `trips`)'}`);

		await countProcesses(setup);
		console.log(`\ncaveats: every host is a local sshd on this machine (${loadavg().map((value) => value.toFixed(2)).join(' ')} load now): the hosts' disk and CPU (checksums, hard links) are shared by all ${hostCount}, which a real fleet would not; the WAN proxy models delay and bandwidth, not loss or TCP slow start.`);
	} finally {
		await fleet.stop();
	}
}

async function deploySwitchyard(setup: Setup, config = setup.config, hosts?: readonly string[]): Promise<readonly PhaseEvent[]> {
	const selection = (hosts ?? []).flatMap((name) => ['--host', name]);
	const result = await switchyard(['deploy', '--yes', '--skip-build', ...selection], { cwd: setup.work, config, sshConfig: setup.fleet.sshConfigFile, home: setup.fleet.dir });
	return result.phases;
}

const sshArgs = (fleet: Fleet) => ['-F', fleet.sshConfigFile, '-o', 'BatchMode=yes'];

/** rsync into releases/<n> hard-linking from the current release, then the atomic switch; every host at once. Returns both times. */
async function deployRsync(setup: Setup, artifact = setup.artifact, base = 'rsync', hosts = setup.fleet.hosts.map((host) => host.name)): Promise<{ rsync: number; total: number }> {
	const release = `r${++setup.rsyncSerial}`;
	const started = performance.now();
	const rsyncDone: number[] = [];
	await Promise.all(
		hosts.map(async (name) => {
			const root = join(setup.fleet.host(name).root, base);
			// The hosts are directories on this machine: their current release is read here, untimed work for the baseline.
			const previous = existsSync(join(root, 'current')) ? readlinkSync(join(root, 'current')).replace('releases/', '') : undefined;
			const linkDest = previous ? [`--link-dest=../${previous}`] : [];
			await must('rsync', ['-a', '--mkpath', ...linkDest, '-e', `ssh ${sshArgs(setup.fleet).join(' ')}`, `${artifact.dir}/`, `${name}:${root}/releases/${release}/`]);
			rsyncDone.push(performance.now() - started);
			await must('ssh', [...sshArgs(setup.fleet), name, `cd ${root} && ln -s releases/${release} .current.tmp && mv -T .current.tmp current`]);
			// Keep the current and the previous release, as Switchyard's keep = 2; not timed (below).
			prune.push(() => {
				for (const entry of readdirSync(join(root, 'releases'))) if (entry !== release && entry !== previous) rmSync(join(root, 'releases', entry), { recursive: true, force: true });
			});
		}),
	);
	const total = performance.now() - started;
	for (const work of prune.splice(0)) work();
	return { rsync: Math.max(...rsyncDone), total };
}

const prune: (() => void)[] = [];

function perHostBytes(fleet: Fleet): number | undefined {
	if (!fleet.wan) return undefined;
	const counters = Object.values(fleet.wan.counters());
	return counters.reduce((sum, counter) => sum + counter.toHost, 0) / counters.length;
}

/** Processes one re-deploy starts on a host, with few and with many files; and a bare `ssh host true` for scale. */
async function countProcesses(setup: Setup): Promise<void> {
	const { fleet } = setup;
	const name = fleet.hosts[0]!.name;
	// A second, smaller artifact of the same file sizes, deployed once to the same host beforehand.
	const small = writeArtifact(join(setup.work, 'artifact-small'), smallFiles, Math.round((totalBytes * smallFiles) / fileCount));
	const smallConfig = join(setup.work, 'hosts-small.toml');
	writeFileSync(smallConfig, hostsToml({ app: 'redeploy-small', artifact: small.dir, hosts: [{ name, ssh: name, root: join(fleet.host(name).root, 'switchyard-small') }] }));
	await deploySwitchyard(setup, smallConfig, [name]);
	await deployRsync(setup, small, 'rsync-small', [name]);

	const measure = (work: () => Promise<unknown>) => countHostProcesses(fleet, name, work);
	const rows: [string, ProcessCount][] = [['ssh host true (one login, for scale)', await measure(() => must('ssh', [...sshArgs(fleet), name, 'true']))]];
	for (const [files, artifact, config, base] of [
		[smallFiles, small, smallConfig, 'rsync-small'],
		[fileCount, setup.artifact, setup.config, 'rsync'],
	] as const) {
		changeOneFile(artifact, 1000 + files);
		rows.push([`Switchyard re-deploy, ${files} files`, await measure(() => deploySwitchyard(setup, config, [name]))]);
		rows.push([`rsync + switch re-deploy, ${files} files`, await measure(() => deployRsync(setup, artifact, base, [name]))]);
	}
	console.log(`\n==== processes started on the host by one re-deploy (strace -f on its sshd, empty HOME; target: constant in the file count) ====`);
	for (const [label, count] of rows) console.log(`${label.padEnd(44)} ${describeCount(count)}`);
}

main().catch((error: unknown) => {
	console.error(`bench:redeploy: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
