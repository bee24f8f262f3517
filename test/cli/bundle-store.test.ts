import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repo, trackedFleets } from '../support/local-fleet.js';

const fleet = trackedFleets();
const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the built CLI with a preload that writes down every package it requires, and returns the AWS SDK's among them. */
function sdkModulesLoaded(args: readonly string[]): string[] {
	const log = path.join(scratch, `loaded-${Date.now()}-${Math.random()}.txt`);
	const hook = path.join(scratch, 'record-requires.cjs');
	writeFileSync(
		hook,
		`const Module = require('node:module'); const fs = require('node:fs'); const load = Module._load;
Module._load = function (request, ...rest) { if (/^@(aws-sdk|smithy)\\//.test(request)) fs.appendFileSync(${JSON.stringify(log)}, request + '\\n'); return load.call(this, request, ...rest); };`,
	);
	execFileSync('node', ['--require', hook, path.join(repo, 'dist', 'cli.js'), ...args], { encoding: 'utf8', stdio: 'pipe' });
	return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

describe('the bundle', () => {
	it('leaves the AWS SDK out: it is required from node_modules only when a [store] is used', async () => {
		const entry = path.join(repo, 'dist', 'switchyard.cjs');
		expect(existsSync(entry), 'npm run build first').toBe(true);
		const bundle = readFileSync(entry, 'utf8');
		// The SDK's own code (its client class, the header it signs) is not in it; a require of it is.
		expect(/class S3Client\b|X-Amz-Content-Sha256/.test(bundle), 'the AWS SDK is bundled').toBe(false);
		expect(bundle.includes('require("@aws-sdk/client-s3")'), 'the bundle requires the AWS SDK').toBe(true);
		// A whole deploy without a [store] never loads it.
		const demo = await fleet(['alpha']);
		expect(sdkModulesLoaded(['deploy', '--yes', '--config', path.join(demo.dir, 'hosts.toml')])).toEqual([]);
		expect(demo.current('alpha')).toBe(1);
	});
});
