import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import S3rver from 's3rver';
import { repo } from './local-fleet.js';

/**
 * A real S3-compatible server on loopback for tests and benchmarks: s3rver (an npm
 * devDependency) storing objects on disk, in front of which every request's SigV4 signature is
 * checked here. s3rver 3.7 takes any V4 signature without checking it (its source says the V4
 * calculation is unimplemented) and lets unsigned requests through; a real store refuses both,
 * and Switchyard's links must be exactly what was signed. So: header-signed and presigned
 * requests are verified (AWS's canonical request, computed here from the spec, not by the SDK),
 * unsigned ones refused; everything else is s3rver's (buckets, objects, multipart, listing,
 * expiry of presigned links).
 */

// As source/engine/object-store/s3-store.ts: the SDK's note that it will want Node 22 is not for test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3Server {
	readonly endpoint: string;
	readonly port: number;
	readonly bucket: string;
	/** Credentials it knows (s3rver's own account). */
	readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
	/** The environment the operator's SDK reads them from. */
	readonly env: Record<string, string>;
	/** Requests served, by method and whether presigned (GET by links). */
	readonly requests: { method: string; presigned: boolean; path: string; status: number }[];
	/** Where s3rver keeps the objects (for tests that look at the disk). */
	readonly dir: string;
	stop(): Promise<void>;
}

export const s3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function startS3Server(options: { bucket?: string; port?: number; dir?: string } = {}): Promise<S3Server> {
	const bucket = options.bucket ?? 'switchyard-test';
	const base = path.join(repo, 'test', '.tmp');
	mkdirSync(base, { recursive: true });
	const dir = options.dir ?? mkdtempSync(path.join(base, 's3-'));
	const s3 = new S3rver({ silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
	await s3.configureBuckets();
	const handle = s3.callback();
	const requests: S3Server['requests'] = [];
	const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
		const refusal = checkSignature(request, { [s3Credentials.accessKeyId]: s3Credentials.secretAccessKey });
		const entry = { method: request.method ?? '', presigned: (request.url ?? '').includes('X-Amz-Signature='), path: (request.url ?? '').split('?')[0]!, status: 0 };
		requests.push(entry);
		response.on('finish', () => (entry.status = response.statusCode));
		if (refusal) {
			response.writeHead(403, { 'content-type': 'application/xml' });
			response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`);
			return;
		}
		void handle(request, response);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const endpoint = `http://127.0.0.1:${port}`;
	return {
		endpoint,
		port,
		bucket,
		credentials: s3Credentials,
		env: { AWS_ACCESS_KEY_ID: s3Credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' },
		requests,
		dir,
		async stop() {
			server.closeAllConnections();
			await new Promise((done) => server.close(done));
			if (!options.dir) rmSync(dir, { recursive: true, force: true });
		},
	};
}

interface Refusal {
	readonly code: string;
	readonly message: string;
}

const rfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** AWS Signature Version 4, as its specification says, for a header-signed or a presigned request. */
export function checkSignature(request: Pick<IncomingMessage, 'method' | 'url' | 'headers'>, secrets: Readonly<Record<string, string>>): Refusal | undefined {
	const [rawPath = '/', rawQuery = ''] = (request.url ?? '/').split(/\?(.*)/s);
	const query = rawQuery
		.split('&')
		.filter(Boolean)
		.map((pair) => {
			const [name = '', value = ''] = pair.split(/=(.*)/s);
			return [decodeURIComponent(name.replace(/\+/g, ' ')), decodeURIComponent(value.replace(/\+/g, ' '))] as const;
		});
	const param = (name: string) => query.find(([key]) => key === name)?.[1];
	const authorization = request.headers.authorization;
	let credential: string | undefined;
	let signedHeaders: string | undefined;
	let signature: string | undefined;
	let amzDate: string | undefined;
	let payload: string;
	if (param('X-Amz-Signature') !== undefined) {
		credential = param('X-Amz-Credential');
		signedHeaders = param('X-Amz-SignedHeaders');
		signature = param('X-Amz-Signature');
		amzDate = param('X-Amz-Date');
		payload = 'UNSIGNED-PAYLOAD';
	} else if (typeof authorization === 'string' && authorization.startsWith('AWS4-HMAC-SHA256 ')) {
		const fields = Object.fromEntries(authorization.slice('AWS4-HMAC-SHA256 '.length).split(/,\s*/).map((part) => part.split(/=(.*)/s) as [string, string]));
		credential = fields.Credential;
		signedHeaders = fields.SignedHeaders;
		signature = fields.Signature;
		amzDate = String(request.headers['x-amz-date'] ?? '');
		payload = String(request.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD');
	} else {
		return { code: 'AccessDenied', message: 'Access Denied (the request is not signed)' };
	}
	const [accessKey = '', date = '', region = '', service = '', terminal = ''] = (credential ?? '').split('/');
	const secret = secrets[accessKey];
	if (secret === undefined) return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
	if (!signedHeaders || !signature || !amzDate || terminal !== 'aws4_request') return { code: 'AuthorizationQueryParametersError', message: 'the signature is missing parts' };
	const canonicalQuery = query
		.filter(([name]) => name !== 'X-Amz-Signature')
		.map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
		.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
		.map(([name, value]) => `${name}=${value}`)
		.join('&');
	const headerValue = (name: string) => {
		const value = request.headers[name];
		return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
	};
	const names = signedHeaders.split(';');
	const canonicalRequest = [request.method, rawPath, canonicalQuery, names.map((name) => `${name}:${headerValue(name)}\n`).join(''), signedHeaders, payload].join('\n');
	const scope = `${date}/${region}/${service}/aws4_request`;
	const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
	const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
	if (hmac(key, toSign).toString('hex') !== signature) return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' };
	return undefined;
}
