import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/fleet/fleet.js';
import { writeArtifact } from './support/artifact.js';
import { medianOf, mustWithCpu, ratio, seconds } from './support/run.js';
import { cli, hostsToml, phaseSummary, reportsTrips, requireCli, switchyard, type PhaseEvent } from './support/switchyard.js';

/**
 * `npm run bench:local` (issue #14, local hosts): BENCH_HOSTS (200) `local = true` hosts, a
 * small artifact (BENCH_FILES 20 files, BENCH_BYTES 200 KiB), `--jobs` BENCH_JOBS (8, the
 * product's default). Each round starts from empty host roots and times
 *
 * - Switchyard's first deploy, then the same deploy again with nothing changed
 *   (`deploy --yes --skip-build`, the built CLI);
 * - a plain shell loop doing, per host, `mkdir -p` + `cp -R` (first) or `cp -al` from the
 *   previous release (again) + `ln -s` + `mv -T`, one host after another in one `sh`.
 *
 * Medians of BENCH_ROUNDS (3) after a warm-up round, with the CPU seconds each used (GNU time:
 * the process and everything it waited for).
 */
const hostCount = Number(process.env.BENCH_HOSTS ?? 200);
const fileCount = Number(process.env.BENCH_FILES ?? 20);
const totalBytes = Number(process.env.BENCH_BYTES ?? 200 * 1024);
const jobs = Number(process.env.BENCH_JOBS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

type Method = 'sy-first' | 'sy-again' | 'shell-first' | 'shell-again';
const labels: Record<Method, string> = {
	'sy-first': 'Switchyard first deploy',
	'sy-again': 'Switchyard again, nothing changed',
	'shell-first': 'shell loop: mkdir + cp -R + ln -s + mv -T',
	'shell-again': 'shell loop: mkdir + cp -al + ln -s + mv -T',
};

async function main(): Promise<void> {
	requireCli();
	const work = join(repoRoot, 'test', '.tmp', `bench-local-${randomBytes(4).toString('hex')}`);
	try {
		const artifact = writeArtifact(join(work, 'artifact'), fileCount, totalBytes);
		const roots = join(work, 'hosts');
		const names = Array.from({ length: hostCount }, (_, index) => `local-${index + 1}`);
		const config = join(work, 'hosts.toml');
		writeFileSync(config, hostsToml({ app: 'local', artifact: artifact.dir, jobs, hosts: names.map((name) => ({ name, root: join(roots, name, 'switchyard') })) }));
		const loop = join(work, 'loop.sh');
		writeFileSync(loop, shellLoop());
		console.log(`local: ${cli}, ${hostCount} local = true hosts, artifact ${fileCount} files ${(artifact.bytes / 1024).toFixed(0)} KiB, --jobs ${jobs}, medians of ${rounds}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);

		const samples = new Map<Method, { ms: number; cpu: number }[]>();
		const phases: { first: readonly PhaseEvent[]; again: readonly PhaseEvent[] } = { first: [], again: [] };
		const measure = async (method: Method, round: number, work: () => Promise<{ cpu: number }>) => {
			const started = performance.now();
			const { cpu } = await work();
			const sample = { ms: performance.now() - started, cpu };
			if (round > 0) samples.set(method, [...(samples.get(method) ?? []), sample]);
			return sample;
		};
		for (let round = 0; round <= rounds; round++) {
			rmSync(roots, { recursive: true, force: true });
			mkdirSync(roots, { recursive: true });
			const deploy = () => switchyard(['deploy', '--yes', '--skip-build'], { cwd: work, config });
			const first = await measure('sy-first', round, async () => {
				const result = await deploy();
				phases.first = result.phases;
				return result;
			});
			const again = await measure('sy-again', round, async () => {
				const result = await deploy();
				phases.again = result.phases;
				return result;
			});
			const shellFirst = await measure('shell-first', round, () => mustWithCpu('sh', [loop, roots, artifact.dir, 'r1', 'copy', ...names]));
			const shellAgain = await measure('shell-again', round, () => mustWithCpu('sh', [loop, roots, artifact.dir, 'r2', 'link', ...names]));
			console.log(`  round ${round}${round === 0 ? ' (warm-up)' : ''}: Switchyard ${seconds(first.ms)} s then ${seconds(again.ms)} s; shell ${seconds(shellFirst.ms)} s then ${seconds(shellAgain.ms)} s (load ${loadavg()[0]!.toFixed(2)})`);
		}

		const median = (method: Method) => ({ ms: medianOf(samples.get(method)!.map((sample) => sample.ms)), cpu: medianOf(samples.get(method)!.map((sample) => sample.cpu)) });
		console.log(`\n==== ${hostCount} local hosts (median wall; CPU s of the command and everything it waited for) ====`);
		for (const method of Object.keys(labels) as Method[]) {
			const { ms, cpu } = median(method);
			console.log(`${labels[method].padEnd(46)} ${seconds(ms).padStart(7)} s   CPU ${cpu.toFixed(1).padStart(6)} s`);
		}
		console.log(`Switchyard first ÷ shell first     [target ≤ 2.00] ${ratio(median('sy-first').ms, median('shell-first').ms)}`);
		console.log(`Switchyard again ÷ shell again     [target ≤ 2.00] ${ratio(median('sy-again').ms, median('shell-again').ms)}`);
		console.log(`Switchyard per host per phase, first: ${phaseSummary(phases.first)}`);
		console.log(`Switchyard per host per phase, again: ${phaseSummary(phases.again)}${reportsTrips(phases.again) ? '' : '  (this build reports no `trips`)'}`);
		console.log(`\ncaveats: one ${cpus().length}-core machine shared with other work (load ${loadavg().map((value) => value.toFixed(2)).join(' ')}); Switchyard also locks, checksums, records the run and cleans up, the loop does none of that; the loop is one sh, Switchyard starts processes per host.`);
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

/** One `sh` for every host: `loop.sh <roots> <artifact> <release> copy|link <host>…`. */
function shellLoop(): string {
	return [
		'set -e',
		'roots=$1 artifact=$2 release=$3 mode=$4',
		'shift 4',
		'for host in "$@"; do',
		'  base=$roots/$host/shell',
		'  mkdir -p "$base/releases/$release"',
		'  if [ "$mode" = link ]; then cp -al "$base/current/." "$base/releases/$release/"; else cp -R "$artifact/." "$base/releases/$release/"; fi',
		'  ln -s "releases/$release" "$base/.current.tmp"',
		'  mv -T "$base/.current.tmp" "$base/current"',
		'done',
		'',
	].join('\n');
}

main().catch((error: unknown) => {
	console.error(`bench:local: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
