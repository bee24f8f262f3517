import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../source/config/load-config.js';
import { runDeploy } from '../../source/engine/deploy.js';
import type { EngineEvent } from '../../source/engine/events.js';
import { startFleet, type Fleet } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';
import { hostProblems } from '../support/host-invariant.js';
import { repo } from '../support/local-fleet.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { sshDeployFleet, stopFleetServices } from '../support/ssh-fleet-config.js';
import { fleetTransport } from '../ssh/fleet-transport.js';

/**
 * Real sshd hosts pulling from a real S3-compatible server. `near` reaches the store; `far` and
 * `strict` cannot (their sessions get a .curlrc that sends every connection nowhere), one
 * allowed to be pushed to instead, the other not.
 */
describe.runIf(requireSshd('pull over ssh'))('hosts pull the artifact from the store (sshd hosts)', () => {
	let fleet: Fleet;
	let server: S3Server;
	const saved = { ...process.env };

	beforeAll(async () => {
		server = await startS3Server();
		const nowhere = path.join(server.dir, 'nowhere');
		mkdirSync(nowhere, { recursive: true });
		writeFileSync(path.join(nowhere, '.curlrc'), 'connect-to = "::127.0.0.1:9"\n');
		fleet = await startFleet({ hosts: [{ name: 'near' }, { name: 'far', env: { CURL_HOME: nowhere } }, { name: 'strict', env: { CURL_HOME: nowhere } }] });
		Object.assign(process.env, server.env);
	});
	afterAll(async () => {
		process.env = saved;
		if (fleet) await stopFleetServices(fleet);
		await fleet?.stop();
		await server?.stop();
	});

	const store = (prefix: string) => `[store]\nurl = "s3://${server.bucket}/${prefix}"\nendpoint = "${server.endpoint}"\n`;
	const intact = () => {
		for (const host of fleet.hosts) expect(hostProblems(host.root), host.name).toEqual([]);
	};

	it('pulls where the store is reachable, pushes where it is not (auto), fails where it must pull (always)', async () => {
		const deploy = await sshDeployFleet(fleet, { extra: store('ssh'), hostExtra: { strict: 'pull = "always"' } });
		const before = server.requests.length;
		const result = await deploy.run('deploy', '--yes');
		expect(result.exitCode, result.stdout).toBe(1);
		expect(result.stdout).toMatch(/\[near\] pulled \d+ files from the store; 0 linked from generation -/);
		expect(result.stdout).toMatch(/\[far\] the host cannot reach the store \(curl: \(7\) .*\): pushing over SSH instead \(pull = "auto"\)/);
		expect(result.stdout).toMatch(/strict .*the host cannot reach the store .*; pull = "always", so nothing was pushed instead — nothing was staged/);
		expect([deploy.current('near'), deploy.current('far'), deploy.current('strict')]).toEqual([1, 1, null]);
		// The contents went up once, for three hosts.
		const puts = server.requests.slice(before).filter((request) => request.method === 'PUT' && request.path.includes('/sha256/'));
		expect(new Set(puts.map((request) => request.path)).size).toBe(puts.length);
		expect(result.stdout + result.stderr).not.toMatch(/X-Amz-Signature=[0-9a-f]/);
		intact();
	});

	it('fails every host before anything is staged when a store object does not match its hash', async () => {
		// An empty root: a host that already has the file would link it, not fetch it.
		await stopFleetServices(fleet);
		const root = fleet.host('near').root;
		for (const entry of readdirSync(root)) rmSync(path.join(root, entry), { recursive: true, force: true });
		const deploy = await sshDeployFleet(fleet, { extra: store('ssh-corrupt'), hostExtra: { far: 'pull = "never"', strict: 'pull = "never"' } });
		const sha = createHash('sha256').update(readFileSync(path.join(repo, 'demo', 'app', 'bin', 'service.sh'))).digest('hex');
		const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
		await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `ssh-corrupt/sha256/${sha}`, Body: 'echo not the service script\n' }));
		client.destroy();
		const result = await deploy.run('deploy', '--yes', '--host', 'near');
		expect(result.exitCode).toBe(1);
		expect(result.stdout).toMatch(/near .*bin\/service\.sh from the store does not match its sha256 — nothing was staged; the object was removed from the store/);
		expect(readdirSync(path.join(root, 'generations'))).toEqual([]);
		expect(hostProblems(root)).toEqual([]);
		intact();
	});

	it('signs a refused (expired) link anew once, then fails; the host is left as it was', async () => {
		const deploy = await sshDeployFleet(fleet, { extra: store('ssh-expiry') });
		const config = parseConfig(readFileSync(deploy.config, 'utf8'), deploy.config);
		const near = config.hosts.filter((host) => host.name === 'near');
		const run = async (now: () => Date) => {
			const events: EngineEvent[] = [];
			const summary = await runDeploy({
				config,
				hosts: near,
				emit: (event) => events.push(event),
				openTransport: (host) => fleetTransport(fleet, host.transport.kind === 'ssh' ? host.transport.target : host.name),
				phases: ['build', 'preflight', 'upload', 'switch', 'validate', 'cleanup'],
				confirm: async () => true,
				operator: 'test@here',
				storeOptions: { now },
			});
			const lines = events.flatMap((event) => (event.type === 'log' && event.host === 'near' ? [event.line] : []));
			return { summary, lines };
		};
		const current = deploy.current('near');
		// Links signed an hour ago (with a 15-minute life) are refused by the store; the second set is signed now.
		let signings = 0;
		const late = await run(() => (signings++ === 0 ? new Date(Date.now() - 3600_000) : new Date()));
		expect(late.summary.outcomes).toEqual({ near: 'ok' });
		expect(late.lines.join('\n')).toMatch(/the store refused the host's download link for .* \(HTTP 403: expired\?\): signing new links/);
		expect(late.lines.join('\n')).toContain('the store says: Request has expired');
		expect(deploy.current('near')).toBe((current ?? 0) + 1);
		intact();

		const always = await run(() => new Date(Date.now() - 3600_000));
		expect(always.summary.outcomes).toEqual({ near: 'failed' });
		expect(always.summary.reasons.near).toMatch(/the store refused the host's download link for .* again, after it was signed anew \(HTTP 403\) — nothing was staged/);
		expect(deploy.current('near')).toBe((current ?? 0) + 1);
		intact();
	});
});
