import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { runDeploy } from '../../source/engine/deploy.js';
import { LocalTransport } from '../../source/transport/local.js';
import { cli, repo, trackedFleets, type LocalFleet } from '../support/local-fleet.js';
import { hostProblems } from '../support/host-invariant.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const fleet = trackedFleets();

/**
 * The demo app deployed to local hosts that pull it from a real S3-compatible server (s3rver on
 * loopback, signatures checked): what is uploaded once, what each host fetches, and every fault
 * with the invariant checked on every host.
 */
describe('hosts pull the artifact from the store (local hosts)', () => {
	let server: S3Server;
	let client: S3Client;
	let prefixes = 0;

	beforeAll(async () => {
		server = await startS3Server();
		client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
	});
	afterAll(async () => {
		client?.destroy();
		await server?.stop();
	});

	/** A fleet whose store has a prefix of its own (a fresh store); `pull` per host as TOML lines. */
	async function pullFleet(names: string[], hostToml: Record<string, string> = {}) {
		const prefix = `demo-${++prefixes}`;
		const demo = await fleet(names, { toml: `[store]\nurl = "s3://${server.bucket}/${prefix}"\nendpoint = "${server.endpoint}"\n`, hostToml });
		return { demo, prefix };
	}

	const run = async (demo: LocalFleet, args: string[], env: Record<string, string> = {}) => {
		const result = await execa('node', [cli, ...args, '--config', demo.config], { reject: false, stdin: 'ignore', cwd: demo.dir, env: { NO_COLOR: '1', ...server.env, ...env } });
		return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
	};
	const since = (from: number) => server.requests.slice(from);
	const expectIntact = (demo: LocalFleet, names: string[]) => {
		for (const name of names) expect(hostProblems(demo.root(name)), name).toEqual([]);
	};
	const records = (demo: LocalFleet) => {
		const runs = path.join(demo.dir, '.switchyard', 'runs');
		return readdirSync(runs).flatMap((id) => [path.join(runs, id, 'events.jsonl'), ...readdirSync(path.join(runs, id, 'hosts')).map((name) => path.join(runs, id, 'hosts', name))]).map((file) => readFileSync(file, 'utf8')).join('\n');
	};

	it('uploads each content once for the whole fleet; hosts fetch what they lack, then only what changed', async () => {
		const { demo } = await pullFleet(['alpha', 'bravo']);
		const before = server.requests.length;
		const first = await run(demo, ['deploy', '--yes']);
		expect(first.exitCode, first.stdout + first.stderr).toBe(0);
		expect(first.stderr).toBe('');
		const artifact = readdirSync(path.join(demo.dir, 'dist'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
		const contents = new Set(artifact.map((entry) => createHash('sha256').update(readFileSync(path.join(entry.parentPath, entry.name))).digest('hex')));
		expect(first.stdout).toContain(`store: uploading ${contents.size} of ${contents.size} contents`);
		for (const host of ['alpha', 'bravo']) expect(first.stdout).toContain(`[${host}] pulled ${artifact.length} files from the store; 0 linked from generation -`);
		// Every content once, one file list, one set of links shared by both hosts.
		expect(since(before).filter((request) => request.method === 'PUT')).toHaveLength(contents.size + 2);
		expect(since(before).filter((request) => request.presigned).length).toBe(2 * (artifact.length + 2));
		expect(await demo.health('alpha')).toContain('ok');
		expectIntact(demo, ['alpha', 'bravo']);

		const again = server.requests.length;
		const second = await run(demo, ['deploy', '--yes']);
		expect(second.exitCode, second.stdout).toBe(0);
		// The demo's build stamps its release into two files: those two travel, the rest are linked on each host.
		expect(second.stdout).toContain(`store: uploading 2 of ${contents.size} contents`);
		for (const host of ['alpha', 'bravo']) expect(second.stdout).toContain(`[${host}] pulled 2 files from the store; ${artifact.length - 2} linked from generation 1`);
		expect(since(again).filter((request) => request.method === 'PUT')).toHaveLength(4);
		expect(since(again).filter((request) => request.presigned && request.path.includes('/sha256/')).length).toBe(2 * (2 + 1));
		expect(demo.current('alpha')).toBe(2);
		expectIntact(demo, ['alpha', 'bravo']);
		// The links never reach a record: not in events, not in host logs.
		expect(records(demo)).not.toMatch(/X-Amz-Signature=[0-9a-f]/);
	});

	it('fails a host whose store object does not match its hash, before anything is staged; the next run uploads it again', async () => {
		const { demo, prefix } = await pullFleet(['alpha', 'bravo']);
		const file = path.join(repo, 'demo', 'app', 'bin', 'service.sh');
		const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
		await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${prefix}/sha256/${sha}`, Body: 'echo not the service script\n' }));
		const bad = await run(demo, ['deploy', '--yes']);
		expect(bad.exitCode).toBe(1);
		// A host that fetched the bad object fails before anything is staged, and removes it from the
		// store. A host that asks for it after that (a busy machine staggers them) finds none and, as
		// pull = "auto", is pushed the file over SSH: staged and switched from the right bytes.
		const mismatch = (host: string) => new RegExp(`${host} .*bin/service\\.sh from the store does not match its sha256 — nothing was staged`).test(bad.stdout);
		const failed = ['alpha', 'bravo'].filter(mismatch);
		expect(failed.length, bad.stdout).toBeGreaterThan(0);
		for (const host of failed) {
			expect(demo.generations(host)).toEqual([]);
			expect(demo.current(host)).toBeNull();
		}
		for (const host of ['alpha', 'bravo'].filter((each) => !failed.includes(each))) {
			expect(bad.stdout).toMatch(new RegExp(`\\[${host}\\] the store did not give the host .*bin/service\\.sh.*: pushing over SSH instead`));
			expect(demo.current(host)).toBe(1);
			expect(readFileSync(path.join(demo.root(host), 'current', 'bin', 'service.sh'))).toEqual(readFileSync(file));
		}
		expectIntact(demo, ['alpha', 'bravo']);
		const again = server.requests.length;
		const good = await run(demo, ['deploy', '--yes']);
		expect(good.exitCode, good.stdout).toBe(0);
		expect(since(again).filter((request) => request.method === 'PUT' && request.path.endsWith(`/sha256/${sha}`))).toHaveLength(1);
		expectIntact(demo, ['alpha', 'bravo']);
	});

	it('pushes over SSH to a host that cannot reach the store (auto), and fails one that must pull (always)', async () => {
		const { demo } = await pullFleet(['alpha', 'bravo'], { bravo: 'pull = "always"' });
		const first = await run(demo, ['deploy', '--yes']);
		expect(first.exitCode, first.stdout).toBe(0);
		// From now on this machine's hosts cannot reach the store: every connection curl makes goes nowhere.
		const home = path.join(demo.dir, 'unreachable');
		mkdirSync(home);
		writeFileSync(path.join(home, '.curlrc'), 'connect-to = "::127.0.0.1:9"\n');
		const second = await run(demo, ['deploy', '--yes'], { CURL_HOME: home });
		expect(second.exitCode).toBe(1);
		expect(second.stdout).toMatch(/\[alpha\] the host cannot reach the store \(curl: \(7\) .*\): pushing over SSH instead \(pull = "auto"\)/);
		expect(demo.current('alpha')).toBe(2);
		expect(second.stdout).toMatch(/bravo .*the host cannot reach the store \(curl: \(7\) .*\); pull = "always", so nothing was pushed instead — nothing was staged/);
		expect(demo.current('bravo')).toBe(1);
		expect(demo.generations('bravo')).toEqual([1]);
		expectIntact(demo, ['alpha', 'bravo']);
	});

	it('signs a refused (expired) link anew once, then fails; the hosts are left as they were', async () => {
		const { demo } = await pullFleet(['alpha', 'bravo']);
		const config = parseConfig(readFileSync(demo.config, 'utf8'), demo.config);
		Object.assign(process.env, server.env);
		const deploy = (now: () => Date) =>
			runDeploy({ config, hosts: config.hosts, emit: () => {}, openTransport: () => new LocalTransport(), phases: ['build', 'preflight', 'upload', 'switch', 'validate', 'cleanup'], confirm: async () => true, operator: 'test@here', storeOptions: { now } });
		// The first set of links is signed an hour ago (a 15-minute life): refused, signed again, pulled.
		let signings = 0;
		const late = await deploy(() => (signings++ === 0 ? new Date(Date.now() - 3600_000) : new Date()));
		expect(late.outcomes).toEqual({ alpha: 'ok', bravo: 'ok' });
		expectIntact(demo, ['alpha', 'bravo']);
		const always = await deploy(() => new Date(Date.now() - 3600_000));
		expect(always.outcomes).toEqual({ alpha: 'failed', bravo: 'failed' });
		expect(always.reasons.alpha).toMatch(/refused the host's download link for .* again, after it was signed anew/);
		expect([demo.current('alpha'), demo.current('bravo')]).toEqual([1, 1]);
		expectIntact(demo, ['alpha', 'bravo']);
	});

	it('touches no host when the store refuses this machine\'s credentials', async () => {
		const { demo } = await pullFleet(['alpha', 'bravo'], { bravo: 'pull = "never"' });
		const result = await run(demo, ['deploy', '--yes'], { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/alpha .*the store s3:\/\/switchyard-test\/demo-\d+ at http:\/\/127\.0\.0\.1:\d+: the secret key does not match the access key \(SignatureDoesNotMatch\).* — no host was touched/);
		expect(demo.generations('alpha')).toEqual([]);
		// A host that never pulls does not need the store: it was deployed.
		expect(demo.current('bravo')).toBe(1);
		expectIntact(demo, ['alpha', 'bravo']);
	});
});
