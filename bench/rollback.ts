import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startFleet } from '../test/fleet/fleet.js';
import type { WanShape } from '../test/fleet/wan-proxy.js';
import { writeArtifact } from './support/artifact.js';
import { relaunchWithEmptyHome } from './support/empty-home.js';
import { medianOf, must, ratio, seconds, timed } from './support/run.js';
import { cli, hostsToml, phaseSummary, reportsTrips, requireCli, switchyard, type PhaseEvent } from './support/switchyard.js';

/**
 * `npm run bench:rollback` (issue #14: "a rollback is one round trip per host plus health
 * checks"): BENCH_HOSTS (50) sshd hosts, two generations deployed by Switchyard; each round
 * rolls every host back to the other generation (`rollback --to N --yes --jobs <hosts>`), with
 * the watchdog on (default) and off, and, reported apart, with a health check (`command =
 * "true"`) so its cost shows. The baseline: one `ssh host 'ln -s … && mv -T …'` per host, all at
 * once, between two release dirs. BENCH_WAN=1 puts the hosts behind the WAN proxy (BENCH_RTT 40,
 * BENCH_MBIT 100, BENCH_UPLINK_MBIT 1000). Medians of BENCH_ROUNDS (3) after a warm-up round.
 * BENCH_RC=clean hands every ssh session an empty HOME, so the login shell reads no ~/.bashrc
 * (this machine's runs `pyenv init`, which dominates the watchdog's second login).
 */
const hostCount = Number(process.env.BENCH_HOSTS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const cleanLogin = process.env.BENCH_RC === 'clean';
const wan: WanShape | undefined =
	process.env.BENCH_WAN === '1' ? { rttMs: Number(process.env.BENCH_RTT ?? 40), mbit: Number(process.env.BENCH_MBIT ?? 100), uplinkMbit: Number(process.env.BENCH_UPLINK_MBIT ?? 1000) } : undefined;

type Method = 'sy' | 'sy-nowd' | 'sy-health' | 'floor';
const labels: Record<Method, string> = {
	sy: 'Switchyard rollback (watchdog on, default)',
	'sy-nowd': 'Switchyard rollback (watchdog = false)',
	'sy-health': 'Switchyard rollback + health check (watchdog on)',
	floor: "one ssh host 'ln -s … && mv -T …' per host, parallel",
};

async function main(): Promise<void> {
	requireCli();
	const fleet = await startFleet({ hosts: hostCount, wan, keepDir: process.env.BENCH_KEEP === '1' });
	const interrupted = (signal: NodeJS.Signals) => void fleet.stop().finally(() => process.kill(process.pid, signal));
	process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
	const relaunched: ChildProcess[] = [];
	try {
		if (cleanLogin) relaunched.push(...(await relaunchWithEmptyHome(fleet)));
		const work = join(fleet.dir, 'bench');
		const artifact = writeArtifact(join(work, 'artifact'), 20, 200 * 1024);
		const hosts = fleet.hosts.map((host) => ({ name: host.name, ssh: host.name, root: join(host.root, 'switchyard') }));
		const configs: Record<Exclude<Method, 'floor'>, string> = { sy: join(work, 'hosts.toml'), 'sy-nowd': join(work, 'hosts-nowd.toml'), 'sy-health': join(work, 'hosts-health.toml') };
		writeFileSync(configs.sy, hostsToml({ app: 'rollback', artifact: artifact.dir, hosts, keep: 5 }));
		writeFileSync(configs['sy-nowd'], hostsToml({ app: 'rollback', artifact: artifact.dir, hosts, keep: 5, watchdog: false }));
		writeFileSync(configs['sy-health'], hostsToml({ app: 'rollback', artifact: artifact.dir, hosts, keep: 5, extraDefaults: ['health = { command = "true" }'] }));
		const run = (config: string, args: string[]) => switchyard(args, { cwd: work, config, sshConfig: fleet.sshConfigFile, home: fleet.dir });
		// Generations 1 and 2 on every host; the baseline gets two release dirs of its own.
		await run(configs.sy, ['deploy', '--yes', '--skip-build']);
		await run(configs.sy, ['deploy', '--yes', '--skip-build']);
		for (const host of fleet.hosts) {
			for (const release of ['a', 'b']) mkdirSync(join(host.root, 'floor', 'releases', release), { recursive: true });
			symlinkSync('releases/b', join(host.root, 'floor', 'current'));
		}
		console.log(`rollback: ${cli}, ${hostCount} sshd hosts${wan ? ` behind the WAN proxy (${wan.rttMs} ms round trip, ${wan.mbit} Mbit/s per host, ${wan.uplinkMbit} Mbit/s operator link)` : ' on loopback'}, login shell ${cleanLogin ? 'with an empty HOME' : "the machine's (~/.bashrc)"}, medians of ${rounds}, load ${loadavg()[0]!.toFixed(2)}`);

		const samples = new Map<Method, number[]>();
		const phases = new Map<Method, readonly PhaseEvent[]>();
		// Every run moves from where the previous run of its kind left the hosts.
		let target = 1;
		let floorRelease = 'a';
		for (let round = 0; round <= rounds; round++) {
			const line: string[] = [];
			for (const method of Object.keys(labels) as Method[]) {
				let ms: number;
				if (method === 'floor') {
					const release = floorRelease;
					ms = await timed(() => Promise.all(fleet.hosts.map((host) => must('ssh', ['-F', fleet.sshConfigFile, '-o', 'BatchMode=yes', host.name, `cd ${join(host.root, 'floor')} && ln -s releases/${release} .current.tmp && mv -T .current.tmp current`]))));
					if (readlinkSync(join(fleet.hosts[0]!.root, 'floor', 'current')) !== `releases/${release}`) throw new Error('the baseline did not switch');
					floorRelease = release === 'a' ? 'b' : 'a';
				} else {
					let events: readonly PhaseEvent[] = [];
					ms = await timed(async () => (events = (await run(configs[method], ['rollback', '--to', String(target), '--yes', '--jobs', String(hostCount)])).phases));
					phases.set(method, events);
					const current = readlinkSync(join(hosts[0]!.root, 'current'));
					if (current !== `generations/${target}`) throw new Error(`${method}: fleet-1's current is ${current}, not generations/${target}`);
					target = target === 1 ? 2 : 1;
				}
				if (round > 0) samples.set(method, [...(samples.get(method) ?? []), ms]);
				line.push(`${method} ${seconds(ms)} s`);
			}
			console.log(`  round ${round}${round === 0 ? ' (warm-up)' : ''}: ${line.join(', ')} (load ${loadavg()[0]!.toFixed(2)})`);
		}

		const median = (method: Method) => medianOf(samples.get(method)!);
		console.log(`\n==== rollback of ${hostCount} hosts to the other generation (median wall) ====`);
		for (const method of Object.keys(labels) as Method[]) console.log(`${labels[method].padEnd(58)} ${seconds(median(method)).padStart(6)} s   ${ratio(median(method), median('floor'))}`);
		console.log(`Switchyard (watchdog on) ÷ baseline   [target ≤ 1.50]  ${ratio(median('sy'), median('floor'))}`);
		console.log(`Switchyard (watchdog off) ÷ baseline  [target ≤ 1.50]  ${ratio(median('sy-nowd'), median('floor'))}`);
		console.log(`health check cost (reported apart): ${seconds(median('sy-health') - median('sy'))} s on top of the watchdog-on rollback`);
		for (const method of ['sy', 'sy-nowd', 'sy-health'] as const) {
			const events = phases.get(method) ?? [];
			console.log(`${method} per host per phase: ${phaseSummary(events)}${reportsTrips(events) ? '' : '  (this build reports no `trips`)'}`);
		}
		console.log(`\ncaveats: ${hostCount} sshd on one ${cpus().length}-core machine (load now ${loadavg().map((value) => value.toFixed(2)).join(' ')}); the baseline pays one ssh process per host here, Switchyard one Node process for all; Switchyard also locks, records the switch in switches.log and the run in .switchyard/runs.`);
	} finally {
		for (const child of relaunched) child.kill('SIGKILL');
		await fleet.stop();
	}
}

main().catch((error: unknown) => {
	console.error(`bench:rollback: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
