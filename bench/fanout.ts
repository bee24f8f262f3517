import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { repoRoot, startFleet, type Fleet, type FleetHost } from '../test/fleet/fleet.js';
import type { WanShape } from '../test/fleet/wan-proxy.js';
import { run, type RunResult } from './support/run.js';
import { relaunchWithEmptyHome } from './support/empty-home.js';

/**
 * `npm run bench:fanout`: wall time of a real deploy of a ~5 MB artifact to 1, 10 and 30 sshd
 * hosts on 127.0.0.1, against two baselines doing the same work on the same hosts:
 *
 * - Switchyard: the built CLI, `deploy --yes --skip-build` (preflight lock+inspect, upload with
 *   checksum verification, switch, cleanup; no services, no health checks), `--jobs <hosts>`,
 *   with the dead-man watchdog on (the default) and with `watchdog = false`.
 * - (a) Oqto-style: plain OpenSSH per step, one host after another: `ssh host true`, `scp` the
 *   tarball, `ssh host 'mkdir … && tar -x …'`, `ssh host 'ln -s … && mv -T …'`.
 * - (b) the floor: one `ssh host 'mkdir -p R && tar -x -C R && ln -s … && mv -T …' < artifact.tar`
 *   per host, all hosts at once.
 *
 * Every round ships new random bytes (nothing can be hard-linked from the previous generation
 * or compressed away). Medians of BENCH_ROUNDS (default 3) after one untimed warm-up round.
 *
 * Everything runs twice: with the machine's login shell as it is (root's ~/.bashrc runs
 * `pyenv init`, ~100 ms per exec) and with sshd handing the session an empty HOME
 * (`SetEnv HOME=…`), so bash finds no ~/.bashrc — what a lean production host costs per exec.
 * BENCH_RC=machine or BENCH_RC=clean runs one of the two only.
 *
 * Then it counts, from the sshd logs, how many connections and exec sessions one deploy opens
 * per host, and prints the per-phase times (and SSH round trips, when the --json phase events
 * carry `trips`) of one 30-host deploy.
 *
 * BENCH_WAN=1 (`npm run bench:fanout:wan`) puts every host behind the WAN proxy
 * (test/fleet/wan-proxy.ts): BENCH_RTT ms round trip (default 40), BENCH_MBIT per host (100),
 * BENCH_UPLINK_MBIT for the operator's link shared by all hosts (1000); hosts default to 1,30.
 * The proxy also counts the bytes each method sends per host.
 */
/** BENCH_CLI: another build of the CLI (e.g. before/after a change); default dist/cli.js, built by the npm script. */
const cli = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(repoRoot, 'dist', 'cli.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const wan: WanShape | undefined = process.env.BENCH_WAN === '1' ? { rttMs: Number(process.env.BENCH_RTT ?? 40), mbit: Number(process.env.BENCH_MBIT ?? 100), uplinkMbit: Number(process.env.BENCH_UPLINK_MBIT ?? 1000) } : undefined;
const counts = (process.env.BENCH_HOSTS ?? (wan ? '1,30' : '1,10,30')).split(',').map(Number);
const fileCount = Number(process.env.BENCH_FILES ?? 100);
const totalBytes = Number(process.env.BENCH_BYTES ?? 5 * 1024 * 1024);
const rcModes = (process.env.BENCH_RC ?? 'machine,clean').split(',') as RcMode[];
/** BENCH_METHODS=sy,sy-nowd measures only those (e.g. to compare two builds quickly). */
const onlyMethods = process.env.BENCH_METHODS?.split(',');
const maxHosts = Math.max(...counts);

type RcMode = 'machine' | 'clean';
type Method = 'sy' | 'sy-nowd' | 'sy-jobs8' | 'oqto' | 'floor';
const methodNames: Record<Method, string> = {
	sy: 'Switchyard (watchdog on, default)',
	'sy-nowd': 'Switchyard (watchdog = false)',
	'sy-jobs8': 'Switchyard (watchdog on, jobs = 8)',
	oqto: '(a) ssh/scp per step, sequential',
	floor: '(b) one ssh … < tar per host, parallel',
};

interface Bench {
	readonly fleet: Fleet;
	readonly artifact: string;
	readonly tarball: string;
	readonly configs: Record<'sy' | 'sy-nowd', string>;
	serial: number;
}

async function main(): Promise<void> {
	if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
	// BENCH_KEEP=1 keeps the fleet directory (sshd logs, host roots) for a look afterwards.
	const fleet = await startFleet({ hosts: maxHosts, keepDir: process.env.BENCH_KEEP === '1', wan });
	const relaunched: ChildProcess[] = [];
	const interrupted = (signal: NodeJS.Signals) => {
		for (const child of relaunched) child.kill('SIGKILL');
		void fleet.stop().finally(() => process.kill(process.pid, signal));
	};
	process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
	try {
		const work = join(fleet.dir, 'bench');
		const bench: Bench = {
			fleet,
			artifact: join(work, 'artifact'),
			tarball: join(work, 'artifact.tar'),
			configs: { sy: join(work, 'hosts.toml'), 'sy-nowd': join(work, 'hosts-nowd.toml') },
			serial: 0,
		};
		mkdirSync(work, { recursive: true });
		writeFileSync(bench.configs.sy, hostsToml(fleet, bench.artifact, true));
		writeFileSync(bench.configs['sy-nowd'], hostsToml(fleet, bench.artifact, false));
		await refreshArtifact(bench);
		console.log(`fanout: ${cli}, ${fleet.hosts.length} sshd hosts, artifact ${fileCount} files ${(totalBytes / 1048576).toFixed(1)} MB (random bytes), medians of ${rounds}`);
		if (wan) console.log(`network: WAN proxy, ${wan.rttMs} ms round trip, ${wan.mbit} Mbit/s per host, ${wan.uplinkMbit} Mbit/s operator link shared by all hosts`);

		const results: { rc: RcMode; table: Map<Method, Map<number, number>>; profile: string[] }[] = [];
		for (const rc of rcModes) {
			if (rc === 'clean') relaunched.push(...(await relaunchWithEmptyHome(fleet)));
			console.log(`\n== login shell: ${rc === 'machine' ? "machine's (root ~/.bashrc runs pyenv init)" : 'empty HOME (no ~/.bashrc)'} ==`);
			console.log(`one \`ssh host true\` (new connection + exec): ${await median(5, () => sshOnce(fleet, 'fleet-1', 'true'))} ms`);
			// Every host gets a current generation first, so the watchdog is armed as in any later deploy.
			await switchyard(bench, 'sy', fleet.hosts.length, fleet.hosts.length);
			const table = new Map<Method, Map<number, number>>();
			const bytesSent = new Map<Method, number>();
			const methods: Method[] = ['sy', 'sy-nowd', 'floor', 'oqto'];
			for (const count of counts) {
				for (const method of [...methods, ...(count === maxHosts && count > 8 ? (['sy-jobs8'] as const) : [])].filter((name) => !onlyMethods || onlyMethods.includes(name))) {
					const ms = await median(rounds, async () => {
						await refreshArtifact(bench);
						fleet.wan?.reset();
						const started = performance.now();
						await runMethod(bench, method, count);
						const elapsed = performance.now() - started;
						const counters = fleet.wan ? Object.values(fleet.wan.counters()) : [];
						if (counters.length > 0) bytesSent.set(method, counters.reduce((sum, counter) => sum + counter.toHost, 0) / count);
						return elapsed;
					});
					if (!table.has(method)) table.set(method, new Map());
					table.get(method)!.set(count, ms);
					console.log(`  ${methodNames[method].padEnd(40)} ${String(count).padStart(3)} host(s): ${(ms / 1000).toFixed(2)} s   (load ${loadavg()[0]!.toFixed(2)})`);
					cleanBaselineReleases(fleet);
				}
			}
			const profile = await profileDeploy(bench);
			for (const [method, bytes] of bytesSent) profile.push(`  sent per host (WAN proxy, last round at ${maxHosts > 1 ? counts.at(-1) : 1} host(s)): ${methodNames[method]} ${(bytes / 1048576).toFixed(2)} MB (artifact tar ${(statSize(bench.tarball) / 1048576).toFixed(2)} MB)`);
			results.push({ rc, table, profile });
		}

		console.log(`\n==== results (median wall time, s; load average now ${loadavg().map((value) => value.toFixed(2)).join(' ')}) ====`);
		for (const { rc, table, profile } of results) {
			console.log(`\nlogin shell: ${rc === 'machine' ? "machine's ~/.bashrc (pyenv init)" : 'empty HOME (no ~/.bashrc)'}`);
			console.log(`${'hosts'.padEnd(42)}${counts.map((count) => String(count).padStart(9)).join('')}`);
			for (const [method, byCount] of table) {
				console.log(`${methodNames[method].padEnd(42)}${counts.map((count) => (byCount.has(count) ? (byCount.get(count)! / 1000).toFixed(2) : '-').padStart(9)).join('')}`);
			}
			for (const method of ['sy', 'sy-nowd'] as const) {
				const own = table.get(method);
				if (!own) continue;
				const ratios = (other: Method) => counts.map((count) => `×${(own.get(count)! / table.get(other)!.get(count)!).toFixed(2)}`.padStart(9)).join('');
				// Issue #14's targets on the WAN fleet; the loopback ones before it.
				const targets = wan ? { oqto: '0.10', floor: method === 'sy' ? '1.10' : '1.00' } : { oqto: '0.20', floor: '1.20' };
				if (table.has('oqto')) console.log(`${`${method} ÷ (a)  [target ≤ ${targets.oqto} at ${maxHosts}]`.padEnd(42)}${ratios('oqto')}`);
				if (table.has('floor')) console.log(`${`${method} ÷ (b)  [target ≤ ${targets.floor} at ${maxHosts}]`.padEnd(42)}${ratios('floor')}`);
			}
			for (const line of profile) console.log(line);
		}
	} finally {
		for (const child of relaunched) child.kill('SIGKILL');
		await fleet.stop();
	}
}

async function runMethod(bench: Bench, method: Method, count: number): Promise<void> {
	if (method === 'sy' || method === 'sy-nowd') {
		await switchyard(bench, method, count, count);
		return;
	}
	if (method === 'sy-jobs8') {
		await switchyard(bench, 'sy', count, 8);
		return;
	}
	const hosts = bench.fleet.hosts.slice(0, count);
	const release = `r${++bench.serial}`;
	if (method === 'oqto') {
		for (const host of hosts) await oqto(bench, host, release);
		return;
	}
	await Promise.all(hosts.map((host) => floor(bench, host, release)));
}

/** The built CLI, headless, as an operator (or CI) runs it. */
async function switchyard(bench: Bench, config: 'sy' | 'sy-nowd', count: number, jobs: number, json = false): Promise<RunResult> {
	const selection = bench.fleet.hosts.slice(0, count).flatMap((host) => ['--host', host.name]);
	const args = [cli, 'deploy', '--yes', '--skip-build', '--jobs', String(jobs), ...(json ? ['--json'] : []), '--config', bench.configs[config], '--ssh-config', bench.fleet.sshConfigFile, ...selection];
	// With --json, also the CPU time of the CLI process itself (GNU time).
	const [command, prefix] = json && existsSync('/usr/bin/time') ? ['/usr/bin/time', ['-f', 'cli-cpu %U %S', 'node']] : ['node', []];
	const result = await run(command, [...prefix, ...args], { cwd: bench.fleet.dir, env: { ...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', HOME: bench.fleet.dir } });
	if (result.code !== 0) throw new Error(`switchyard deploy to ${count} host(s) failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
	return result;
}

/** CPU seconds used by everything on this machine (all cores) since boot, from /proc/stat. */
function machineCpuSeconds(): number {
	const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
	const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
	return (fields.reduce((sum, value) => sum + value, 0) - idle) / 100;
}

const sshArgs = (fleet: Fleet) => ['-F', fleet.sshConfigFile, '-o', 'BatchMode=yes'];

/** Oqto's deploy: a fresh ssh/scp per step. */
async function oqto(bench: Bench, host: FleetHost, release: string): Promise<void> {
	const base = `${host.root}/oqto`;
	const dir = `${base}/releases/${release}`;
	await must('ssh', [...sshArgs(bench.fleet), host.name, 'true']);
	await must('ssh', [...sshArgs(bench.fleet), host.name, `mkdir -p ${base}/incoming`]);
	await must('scp', ['-q', ...sshArgs(bench.fleet), bench.tarball, `${host.name}:${base}/incoming/${release}.tar`]);
	await must('ssh', [...sshArgs(bench.fleet), host.name, `mkdir -p ${dir} && tar -x -f ${base}/incoming/${release}.tar -C ${dir} && rm ${base}/incoming/${release}.tar`]);
	await must('ssh', [...sshArgs(bench.fleet), host.name, `ln -s releases/${release} ${base}/.current.tmp && mv -T ${base}/.current.tmp ${base}/current`]);
}

/** The least any deploy over SSH can do: one connection, one exec, the tar on stdin. */
async function floor(bench: Bench, host: FleetHost, release: string): Promise<void> {
	const base = `${host.root}/floor`;
	const dir = `${base}/releases/${release}`;
	await must('ssh', [...sshArgs(bench.fleet), host.name, `mkdir -p ${dir} && tar -x -f - -C ${dir} && ln -s releases/${release} ${base}/.current.tmp && mv -T ${base}/.current.tmp ${base}/current`], bench.tarball);
}

/** Baselines keep no old releases (Switchyard prunes its own with keep = 2); not timed. */
function cleanBaselineReleases(fleet: Fleet): void {
	for (const host of fleet.hosts) {
		for (const kind of ['oqto', 'floor']) {
			const releases = join(host.root, kind, 'releases');
			if (!existsSync(releases)) continue;
			const current = readlinkSafe(join(host.root, kind, 'current'));
			for (const entry of readdirSync(releases)) if (`releases/${entry}` !== current) rmSync(join(releases, entry), { recursive: true, force: true });
		}
	}
}

/** How many connections and exec sessions one deploy opens per host, and where a 30-host deploy spends its time. */
async function profileDeploy(bench: Bench): Promise<string[]> {
	const lines: string[] = [];
	const logOf = (host: FleetHost) => readFileSync(host.logFile, 'utf8');
	for (const config of ['sy', 'sy-nowd'] as const) {
		const host = bench.fleet.hosts[0]!;
		await refreshArtifact(bench);
		const before = logOf(host).length;
		await switchyard(bench, config, 1, 1);
		await new Promise((done) => setTimeout(done, 200));
		const log = logOf(host).slice(before);
		const connections = (log.match(/Accepted publickey/g) ?? []).length;
		const execs = (log.match(/Starting session: command/g) ?? []).length;
		lines.push(`  per host, ${config === 'sy' ? 'watchdog on ' : 'watchdog off'}: ${connections} SSH connection(s), ${execs} exec(s) (each exec = one login-shell start)`);
		// The deploy really finished: lock released, old generations pruned (keep = 2).
		const root = join(host.root, 'switchyard');
		const generations = readdirSync(join(root, 'generations'));
		if (existsSync(join(root, '.lock')) || generations.length > 2) throw new Error(`${host.name} after deploy: lock ${existsSync(join(root, '.lock')) ? 'still held' : 'released'}, generations ${generations.join(' ')}`);
	}
	lines.push(`  (a): 4 connections + 4 execs + 1 sftp session per host, one host at a time; (b): 1 connection + 1 exec per host`);
	for (const config of ['sy', 'sy-nowd'] as const) {
		await refreshArtifact(bench);
		const cpuBefore = machineCpuSeconds();
		const started = performance.now();
		const result = await switchyard(bench, config, maxHosts, maxHosts, true);
		const wall = performance.now() - started;
		const machineCpu = machineCpuSeconds() - cpuBefore;
		const cliCpu = /cli-cpu ([\d.]+) ([\d.]+)/.exec(result.stderr);
		const out = result.stdout;
		const byPhase = new Map<string, number[]>();
		const tripsByPhase = new Map<string, number[]>();
		for (const line of out.split('\n')) {
			if (!line.startsWith('{')) continue;
			const event = JSON.parse(line) as { type: string; phase?: string; status?: string; ms?: number; trips?: number; host?: string | null };
			if (event.type === 'phase' && event.status === 'ok' && event.ms !== undefined && event.host) {
				byPhase.set(event.phase!, [...(byPhase.get(event.phase!) ?? []), event.ms]);
				if (event.trips !== undefined) tripsByPhase.set(event.phase!, [...(tripsByPhase.get(event.phase!) ?? []), event.trips]);
			}
		}
		const summary = [...byPhase].map(([phase, values]) => `${phase} ${(medianOf(values) / 1000).toFixed(2)}/${(Math.max(...values) / 1000).toFixed(2)}`).join(', ');
		lines.push(`  ${maxHosts}-host deploy ${config === 'sy' ? 'watchdog on ' : 'watchdog off'} (${(wall / 1000).toFixed(2)} s, --json): per-host phase s median/max: ${summary}`);
		const trips = [...tripsByPhase].map(([phase, values]) => `${phase} ${medianOf(values)}${Math.max(...values) !== medianOf(values) ? ` (max ${Math.max(...values)})` : ''}`).join(', ');
		lines.push(`    SSH round trips per host per phase (median): ${trips || 'not reported by this build (no `trips` on phase events)'}`);
		lines.push(
			`    CPU: switchyard process ${cliCpu ? (Number(cliCpu[1]) + Number(cliCpu[2])).toFixed(2) : '?'} s; whole machine ${machineCpu.toFixed(2)} s of ${((wall / 1000) * cpus().length).toFixed(2)} s available (${cpus().length} cores; includes sshd, login shells and other users' work)`,
		);
	}
	{
		await refreshArtifact(bench);
		const cpuBefore = machineCpuSeconds();
		const started = performance.now();
		await runMethod(bench, 'floor', maxHosts);
		const wall = performance.now() - started;
		lines.push(`  ${maxHosts}-host floor (b) (${(wall / 1000).toFixed(2)} s): whole machine CPU ${(machineCpuSeconds() - cpuBefore).toFixed(2)} s of ${((wall / 1000) * cpus().length).toFixed(2)} s available`);
		cleanBaselineReleases(bench.fleet);
	}
	const startup = await median(3, async () => {
		const started = performance.now();
		await run('node', [cli, '--help'], { cwd: bench.fleet.dir, env: { ...process.env, HOME: bench.fleet.dir } });
		return performance.now() - started;
	});
	lines.push(`  CLI start-up (node dist/cli.js --help): ${(startup / 1000).toFixed(2)} s`);
	return lines;
}

function hostsToml(fleet: Fleet, artifact: string, watchdog: boolean): string {
	return [
		'[app]',
		'name = "fanout"',
		'keep = 2',
		'',
		'[build]',
		'command = "true"',
		`artifact = ${JSON.stringify(artifact)}`,
		'',
		'[defaults]',
		`jobs = ${fleet.hosts.length}`,
		`watchdog = ${watchdog}`,
		'',
		...fleet.hosts.flatMap((host) => ['[[host]]', `name = "${host.name}"`, `ssh = "${host.name}"`, `root = "${host.root}/switchyard"`, '']),
	].join('\n');
}

/** New random content in every file (same names and sizes), and the tarball the baselines ship. */
async function refreshArtifact(bench: Bench): Promise<void> {
	const average = totalBytes / fileCount;
	let written = 0;
	for (let i = 0; i < fileCount; i++) {
		const size = i === fileCount - 1 ? totalBytes - written : Math.round(average * (0.2 + ((i * 37) % 17) / 10));
		const file = join(bench.artifact, `dir-${i % 7}`, `sub-${i % 3}`, `file-${i}.bin`);
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, randomBytes(Math.max(0, size)));
		written += Math.max(0, size);
	}
	await must('tar', ['-cf', bench.tarball, '-C', bench.artifact, '.']);
}

async function sshOnce(fleet: Fleet, host: string, command: string): Promise<number> {
	const started = performance.now();
	await must('ssh', [...sshArgs(fleet), host, command]);
	return performance.now() - started;
}


async function must(command: string, args: string[], stdinFile?: string): Promise<void> {
	const result = await run(command, args, { stdinFile });
	if (result.code !== 0) throw new Error(`${command} ${args.at(-1)} failed (${result.code}): ${result.stderr.trim()}`);
}

function statSize(file: string): number {
	return statSync(file).size;
}

function readlinkSafe(link: string): string {
	try {
		return readlinkSync(link);
	} catch {
		return '';
	}
}

async function median(times: number, measure: () => Promise<number>): Promise<number> {
	await measure(); // warm-up, not counted
	const samples: number[] = [];
	for (let round = 0; round < times; round++) samples.push(await measure());
	return Math.round(medianOf(samples));
}

function medianOf(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

main().catch((error: unknown) => {
	console.error(`bench:fanout: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
