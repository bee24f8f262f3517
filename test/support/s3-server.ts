import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot as repo } from '../fleet/fleet.js';

// As source/engine/object-store/s3-store.ts: the SDK's note that it will want Node 22 is not for test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * A real S3-compatible server on loopback (s3rver, with SigV4 checked: see
 * `s3-server-process.mjs`), in a process of its own, as the fleet's sshd are.
 */
export interface S3Server {
	readonly endpoint: string;
	readonly port: number;
	readonly bucket: string;
	/** Credentials it knows (s3rver's own account). */
	readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
	/** The environment the operator's SDK reads them from. */
	readonly env: Record<string, string>;
	/** Requests served so far: method, whether by a presigned link, path, status. */
	readonly requests: readonly ServedRequest[];
	/** Where s3rver keeps the objects. */
	readonly dir: string;
	readonly pid: number;
	stop(): Promise<void>;
}

export interface ServedRequest {
	readonly method: string;
	readonly presigned: boolean;
	readonly path: string;
	readonly status: number;
}

export const s3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const serverScript = path.join(repo, 'test', 'support', 's3-server-process.mjs');

export async function startS3Server(options: { bucket?: string; port?: number; dir?: string; detached?: boolean } = {}): Promise<S3Server> {
	const bucket = options.bucket ?? 'switchyard-test';
	const base = path.join(repo, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const dir = options.dir ?? mkdtempSync(path.join(base, 's3-'));
	mkdirSync(dir, { recursive: true });
	const log = path.join(dir, 'requests.jsonl');
	writeFileSync(log, '');
	// s3rver's listing tokens are DES-encrypted, which OpenSSL 3 only has in its legacy provider.
	const child = spawn(process.execPath, ['--openssl-legacy-provider', serverScript, path.join(dir, 'objects'), bucket, log, String(options.port ?? 0)], { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
	if (options.detached) child.unref();
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const port = await new Promise<number>((resolve, reject) => {
		const lines = createInterface({ input: child.stdout });
		lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
		child.once('exit', (code) => reject(new Error(`the S3 server exited (${code}): ${stderr.trim()}`)));
	});
	const endpoint = `http://127.0.0.1:${port}`;
	return {
		endpoint,
		port,
		bucket,
		credentials: s3Credentials,
		env: { AWS_ACCESS_KEY_ID: s3Credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' },
		get requests() {
			return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ServedRequest) : [];
		},
		dir,
		pid: child.pid!,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((done) => child.once('exit', done));
				child.kill('SIGTERM');
				await exited;
			}
			if (!options.dir) rmSync(dir, { recursive: true, force: true });
		},
	};
}
