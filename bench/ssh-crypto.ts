import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client as ClientType } from 'ssh2';
import { repoRoot, startFleet } from '../test/fleet/fleet.js';
import { cpuSecondsOf, descendantsOf } from '../test/support/processes.js';
import { medianOf, must, ratio } from './support/run.js';

/**
 * `npm run bench:crypto` (issue #14.4): does ssh2's optional native crypto binding
 * (lib/protocol/crypto/build/Release/sshcrypto.node, built by its install script, which npm
 * now blocks unless approved) matter, and which cipher should the product prefer?
 *
 * Uploads BENCH_BYTES (default 200 MiB) over one exec channel (`cat > /dev/null`) to a
 * loopback sshd with two copies of ssh2 (test/.tmp/ssh2-variants/): one with the binding,
 * one without, for each cipher; each run in its own process. Reports throughput, the client
 * process's CPU and the sshd session's CPU, medians of BENCH_ROUNDS (default 3), as ratios
 * against what a fresh install runs today (no binding, ssh2's first cipher aes128-gcm).
 */
const bytes = Number(process.env.BENCH_BYTES ?? 200 * 1024 * 1024);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const ciphers = (process.env.BENCH_CIPHERS ?? 'aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr').split(',');
const variants = ['js', 'native'] as const;
type Variant = (typeof variants)[number];
const variantNames: Record<Variant, string> = { js: 'no binding (fresh npm install)', native: 'native binding built' };

interface WorkerInput {
	readonly variantDir: string;
	readonly cipher: string;
	readonly bytes: number;
	readonly port: number;
	readonly user: string;
	readonly keyFile: string;
	readonly hostKeys: readonly string[];
	readonly sshdPid: number;
}

interface WorkerOutput {
	readonly binding: boolean;
	readonly negotiated: string;
	readonly ms: number;
	readonly clientCpu: number;
	readonly sshdCpu: number;
}

async function main(): Promise<void> {
	if (process.argv[2] === 'worker') return worker(JSON.parse(process.argv[3]!) as WorkerInput);
	const dirs = prepareVariants();
	const fleet = await startFleet({ hosts: 1 });
	try {
		const host = fleet.host('fleet-1');
		console.log(`ssh-crypto: ${(bytes / 1048576).toFixed(0)} MiB over one exec channel to a loopback sshd (OpenSSH, ${cpus().length} cores: ${cpus()[0]?.model ?? '?'}), medians of ${rounds}, load ${loadavg()[0]!.toFixed(2)}`);
		const distChunk = join(repoRoot, 'dist', 'chunks', 'crypto', 'build', 'Release', 'sshcrypto.node');
		console.log(`the built CLI (dist/) requires the binding as ${existsSync(distChunk) ? 'present' : 'MISSING'} ${join('dist', 'chunks', 'crypto', 'build', 'Release', 'sshcrypto.node')} (esbuild keeps ssh2's relative require): it ${existsSync(distChunk) ? 'can load' : 'never loads'} it, whatever npm built`);
		const results = new Map<string, WorkerOutput[]>();
		// Interleaved rounds: a change in the machine's load hits every variant alike.
		for (let round = 0; round <= rounds; round++) {
			for (const cipher of ciphers) {
				for (const variant of variants) {
					const input: WorkerInput = {
						variantDir: dirs[variant],
						cipher,
						bytes,
						port: host.port,
						user: host.user,
						keyFile: fleet.userKeyFile,
						hostKeys: host.hostKeys.map((key) => key.base64),
						sshdPid: host.pid!,
					};
					const output = JSON.parse((await must(process.execPath, [fileURLToPath(import.meta.url), 'worker', JSON.stringify(input)])).stdout) as WorkerOutput;
					if (output.binding !== (variant === 'native')) throw new Error(`${variant}: ssh2 reports bindingAvailable = ${output.binding}`);
					if (output.negotiated !== cipher) throw new Error(`asked for ${cipher}, negotiated ${output.negotiated}`);
					// Round 0 warms the page cache and sshd; not counted.
					if (round > 0) results.set(`${variant} ${cipher}`, [...(results.get(`${variant} ${cipher}`) ?? []), output]);
				}
			}
		}
		const summary = (key: string) => {
			const samples = results.get(key)!;
			return { ms: medianOf(samples.map((sample) => sample.ms)), clientCpu: medianOf(samples.map((sample) => sample.clientCpu)), sshdCpu: medianOf(samples.map((sample) => sample.sshdCpu)) };
		};
		const baseline = summary(`js ${ciphers[0]}`);
		console.log(`\n${'ssh2'.padEnd(32)}${'cipher'.padEnd(32)}${'MB/s'.padStart(8)}${'wall'.padStart(9)}${'client CPU s'.padStart(14)}${'sshd CPU s'.padStart(12)}${'wall ÷ base'.padStart(13)}${'client CPU ÷ base'.padStart(19)}`);
		for (const cipher of ciphers) {
			for (const variant of variants) {
				const row = summary(`${variant} ${cipher}`);
				console.log(
					`${variantNames[variant].padEnd(32)}${cipher.padEnd(32)}${(bytes / 1e6 / (row.ms / 1000)).toFixed(1).padStart(8)}${`${(row.ms / 1000).toFixed(2)} s`.padStart(9)}${row.clientCpu.toFixed(2).padStart(14)}${row.sshdCpu.toFixed(2).padStart(12)}${ratio(row.ms, baseline.ms).padStart(13)}${ratio(row.clientCpu, baseline.clientCpu).padStart(19)}`,
				);
			}
		}
		console.log(`\nbaseline: ${variantNames.js}, ${ciphers[0]} (ssh2's first choice, what the shipped CLI negotiates). Caveats: loopback on a shared ${cpus().length}-core machine, client and sshd compete for the same cores; sshd CPU is the session processes' user+system time (OpenSSH's own AES-GCM/ChaCha, unaffected by the binding); load average now ${loadavg().map((value) => value.toFixed(2)).join(' ')}.`);
	} finally {
		await fleet.stop();
	}
}

/** Two copies of the installed ssh2 under test/.tmp: with its native binding (built here if npm did not) and without. */
function prepareVariants(): Record<Variant, string> {
	const installed = join(repoRoot, 'node_modules', 'ssh2');
	const base = join(repoRoot, 'test', '.tmp', 'ssh2-variants');
	const dirs = { js: join(base, 'js'), native: join(base, 'native') };
	for (const variant of variants) {
		const copy = join(dirs[variant], 'node_modules', 'ssh2');
		rmSync(dirs[variant], { recursive: true, force: true });
		cpSync(installed, copy, { recursive: true });
		const build = join(copy, 'lib', 'protocol', 'crypto', 'build');
		if (variant === 'js') rmSync(build, { recursive: true, force: true });
		else if (!existsSync(join(build, 'Release', 'sshcrypto.node'))) buildBinding(join(copy, 'lib', 'protocol', 'crypto'));
	}
	return dirs;
}

/** What ssh2's install script does (node-gyp rebuild), with the node-gyp npm bundles. */
function buildBinding(dir: string): void {
	const npmGyp = ['/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js', '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'].find(existsSync);
	if (!npmGyp) throw new Error('node-gyp not found: cannot build ssh2’s binding');
	const result = spawnSync(process.execPath, [npmGyp, `--target=${process.version}`, `--real_openssl_major=${/^\d+/.exec(process.versions.openssl)![0]}`, 'rebuild'], { cwd: dir, encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`building ssh2's binding failed:\n${result.stderr}`);
}

/** One upload in this process, with the ssh2 copy it is given; prints a WorkerOutput. */
async function worker(input: WorkerInput): Promise<void> {
	const load = createRequire(join(input.variantDir, 'node_modules', 'ssh2', 'package.json'));
	const { Client } = load('ssh2') as { Client: typeof ClientType };
	const binding = (load('./lib/protocol/crypto.js') as { bindingAvailable: boolean }).bindingAvailable;
	const client = new Client();
	let negotiated = '';
	client.on('handshake', (algorithms: { cs: { cipher: string } }) => (negotiated = algorithms.cs.cipher));
	await new Promise<void>((resolve, reject) => {
		client.once('ready', resolve).once('error', reject);
		client.connect({
			host: '127.0.0.1',
			port: input.port,
			username: input.user,
			privateKey: readFileSync(input.keyFile),
			algorithms: { cipher: [input.cipher as never] },
			hostVerifier: (key: Buffer) => input.hostKeys.includes(key.toString('base64')),
		});
	});
	const sessions = () => descendantsOf(input.sshdPid);
	const sshdCpu = () => sessions().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
	const chunk = randomBytes(1024 * 1024);
	const result = await new Promise<{ ms: number; clientCpu: number; sshdCpu: number }>((resolve, reject) => {
		client.exec('cat > /dev/null', (error, stream) => {
			if (error) return reject(error);
			const sshdBefore = sshdCpu();
			const cpuBefore = process.cpuUsage();
			const started = performance.now();
			let sent = 0;
			let sshdAfter = 0;
			const pump = () => {
				while (sent < input.bytes) {
					const piece = chunk.subarray(0, Math.min(chunk.length, input.bytes - sent));
					sent += piece.length;
					if (!stream.write(piece)) return void stream.once('drain', pump);
				}
				stream.end();
			};
			// The session's processes still exist when the command exits; they are gone after close.
			stream.once('exit', () => (sshdAfter = sshdCpu()));
			stream.once('close', () => {
				const cpu = process.cpuUsage(cpuBefore);
				resolve({ ms: performance.now() - started, clientCpu: (cpu.user + cpu.system) / 1e6, sshdCpu: sshdAfter - sshdBefore });
			});
			stream.resume();
			pump();
		});
	});
	client.end();
	const output: WorkerOutput = { binding, negotiated, ...result };
	process.stdout.write(JSON.stringify(output));
}

main().catch((error: unknown) => {
	console.error(`bench:crypto: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
