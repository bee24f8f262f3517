import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { prepareHostKeyCheck } from '../source/transport/host-key-check.js';
import { SshTransport } from '../source/transport/ssh.js';
import { startFleet, type Fleet } from '../test/fleet/fleet.js';

/**
 * `npm run bench:upload`: how should an artifact reach a host? Sends the same ~5 MB of
 * ~200 files to a local sshd (a) as a tar stream into `tar -x` over one exec channel — what the
 * engine does — and (b) over SFTP with ssh2's fastPut, per file, sequentially and 8 at a time.
 * Each way runs several times on a warm connection; the median is reported.
 */
const fileCount = Number(process.env.BENCH_FILES ?? 200);
const totalBytes = Number(process.env.BENCH_BYTES ?? 5 * 1024 * 1024);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

async function main(): Promise<void> {
	const fleet = await startFleet({ hosts: 1 });
	try {
		const source = join(fleet.dir, 'artifact');
		const files = makeArtifact(source);
		const host = fleet.host('fleet-1');
		const ssh = new SshTransport({ target: 'fleet-1', configFile: fleet.sshConfigFile, home: fleet.dir, agentSocket: '' });
		await ssh.connect();
		const sftp = await openSftp(fleet);

		const baseline = await median(rounds, async () => {
			await ssh.exec('true');
		});
		const tar = await median(rounds, async (round) => {
			const destination = join(host.root, `tar-${round}`);
			const packer = spawn('tar', ['-cf', '-', '-C', source, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
			const result = await ssh.exec(`rm -rf ${destination} && mkdir -p ${destination} && tar -xf - -C ${destination}`, { stdin: packer.stdout });
			if (result.code !== 0) throw new Error(`tar upload failed: ${result.failure ?? result.stderr}`);
		});
		const sftpSequential = await median(rounds, (round) => sftpUpload(sftp, source, join(host.root, `sftp1-${round}`), files, 1));
		const sftpParallel = await median(rounds, (round) => sftpUpload(sftp, source, join(host.root, `sftp8-${round}`), files, 8));

		const check = await ssh.exec(`cd ${host.root} && for d in tar-0 sftp1-0 sftp8-0; do (cd $d && find . -type f | sort | xargs cat | sha256sum); done`);
		const sums = new Set(check.stdout.trim().split('\n'));
		if (sums.size !== 1) throw new Error(`uploads differ:\n${check.stdout}`);

		const mb = totalBytes / 1024 / 1024;
		const row = (name: string, ms: number) =>
			`${name.padEnd(34)} ${(ms / 1000).toFixed(3).padStart(7)} s  ${(mb / (ms / 1000)).toFixed(1).padStart(6)} MB/s  ×${(ms / tar).toFixed(2)}`;
		console.log(`upload of ${fileCount} files, ${mb.toFixed(1)} MB, median of ${rounds}, sshd on 127.0.0.1 (one exec round trip: ${baseline} ms)`);
		console.log(row('tar stream over one exec channel', tar));
		console.log(row('SFTP fastPut, one file at a time', sftpSequential));
		console.log(row('SFTP fastPut, 8 files at a time', sftpParallel));
		// An exec pays for a login shell (and its rc files) on the host; SFTP's subsystem does not.
		console.log(`(tar without the exec's own start-up: about ${((tar - baseline) / 1000).toFixed(3)} s)`);
		sftp.client.end();
		await ssh.close();
	} finally {
		await fleet.stop();
	}
}

/** Incompressible files of varied sizes in a few directories, like a build output. */
function makeArtifact(root: string): string[] {
	const files: string[] = [];
	const average = totalBytes / fileCount;
	let written = 0;
	for (let i = 0; i < fileCount; i++) {
		const size = i === fileCount - 1 ? totalBytes - written : Math.round(average * (0.2 + ((i * 37) % 17) / 10));
		const path = `dir-${i % 7}/sub-${i % 3}/file-${i}.bin`;
		mkdirSync(dirname(join(root, path)), { recursive: true });
		writeFileSync(join(root, path), randomBytes(Math.max(0, size)));
		written += Math.max(0, size);
		files.push(path);
	}
	return files;
}

async function openSftp(fleet: Fleet): Promise<{ client: Client; sftp: SFTPWrapper }> {
	const host = fleet.host('fleet-1');
	const hostKeys = prepareHostKeyCheck('127.0.0.1', host.port, { knownHostsFiles: [fleet.knownHostsFile], acceptNew: false });
	const client = new Client();
	await new Promise<void>((resolve, reject) => {
		client.once('ready', resolve).once('error', reject);
		client.connect({
			host: '127.0.0.1',
			port: host.port,
			username: host.user,
			privateKey: readFileSync(fleet.userKeyFile),
			hostVerifier: (key: Buffer) => hostKeys.verify(key),
			algorithms: { serverHostKey: hostKeys.algorithms },
		});
	});
	const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((error, wrapper) => (error ? reject(error) : resolve(wrapper))));
	return { client, sftp };
}

async function sftpUpload(session: { sftp: SFTPWrapper }, source: string, destination: string, files: string[], parallel: number): Promise<void> {
	const { sftp } = session;
	const directories = [...new Set(files.flatMap((file) => ancestors(dirname(file))))].sort();
	await mkdir(sftp, destination);
	for (const directory of directories) await mkdir(sftp, join(destination, directory));
	let next = 0;
	const worker = async () => {
		while (next < files.length) {
			const file = files[next++] as string;
			await new Promise<void>((resolve, reject) =>
				sftp.fastPut(join(source, file), join(destination, file), (error) => (error ? reject(error) : resolve())),
			);
		}
	};
	await Promise.all(Array.from({ length: parallel }, worker));
}

function ancestors(path: string): string[] {
	const parts = path.split('/');
	return parts.map((_, index) => parts.slice(0, index + 1).join('/')).filter((part) => part !== '.');
}

function mkdir(sftp: SFTPWrapper, path: string): Promise<void> {
	return new Promise((resolve, reject) =>
		sftp.mkdir(path, (error) => (error && !/exists|failure/i.test(error.message) ? reject(error) : resolve())),
	);
}

async function median(times: number, run: (round: number) => Promise<void>): Promise<number> {
	await run(times); // warm-up round, not counted
	const samples: number[] = [];
	for (let round = 0; round < times; round++) {
		const started = performance.now();
		await run(round);
		samples.push(performance.now() - started);
	}
	samples.sort((a, b) => a - b);
	return Math.round(samples[Math.floor(samples.length / 2)] as number);
}

main().catch((error: unknown) => {
	console.error(`bench:upload: ${error instanceof Error ? error.message : String(error)}`);
	process.exitCode = 1;
});
