// A real S3-compatible server for tests and benchmarks, in a process of its own: s3rver (an npm
// devDependency) storing objects on disk, with every request's SigV4 signature checked here
// first. s3rver 3.7 takes any V4 signature without checking it (its source says the V4
// calculation is unimplemented) and lets unsigned requests through; a real store refuses both, and
// Switchyard's links must be exactly what was signed. So header-signed and presigned requests are
// verified (AWS's canonical request, computed here from the specification, not by the SDK) and
// unsigned ones refused; everything else is s3rver's: buckets, objects, multipart uploads,
// listings, expiry of presigned links. Run with `node --openssl-legacy-provider` (s3rver's
// listing tokens use DES). Usage: node --openssl-legacy-provider s3-server-process.mjs <dir>
// <bucket> <request log> [port]; prints {"port":N} when it listens; SIGTERM stops it.
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import S3rver from 's3rver';

const [dir, bucket, log, port = '0'] = process.argv.slice(2);
const secrets = { S3RVER: 'S3RVER' };

const s3 = new S3rver({ silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
await s3.configureBuckets();
const handle = s3.callback();
const server = createServer((request, response) => {
	const refusal = checkSignature(request, secrets);
	const url = request.url ?? '';
	response.on('finish', () => appendFileSync(log, `${JSON.stringify({ method: request.method, presigned: url.includes('X-Amz-Signature='), path: url.split('?')[0], status: response.statusCode })}\n`));
	if (refusal) {
		response.writeHead(403, { 'content-type': 'application/xml' });
		response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`);
		return;
	}
	handle(request, response);
});
server.listen(Number(port), '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.once('SIGTERM', () => {
	server.closeAllConnections();
	server.close(() => process.exit(0));
});

const rfc3986 = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const hmac = (key, text) => createHmac('sha256', key).update(text).digest();

/** AWS Signature Version 4, as its specification says, for a header-signed or a presigned request. */
export function checkSignature(request, secrets) {
	const [rawPath = '/', rawQuery = ''] = (request.url ?? '/').split(/\?(.*)/s);
	const query = rawQuery
		.split('&')
		.filter(Boolean)
		.map((pair) => {
			const [name = '', value = ''] = pair.split(/=(.*)/s);
			return [decodeURIComponent(name.replace(/\+/g, ' ')), decodeURIComponent(value.replace(/\+/g, ' '))];
		});
	const param = (name) => query.find(([key]) => key === name)?.[1];
	const authorization = request.headers.authorization;
	let credential;
	let signedHeaders;
	let signature;
	let amzDate;
	let payload;
	if (param('X-Amz-Signature') !== undefined) {
		credential = param('X-Amz-Credential');
		signedHeaders = param('X-Amz-SignedHeaders');
		signature = param('X-Amz-Signature');
		amzDate = param('X-Amz-Date');
		payload = 'UNSIGNED-PAYLOAD';
	} else if (typeof authorization === 'string' && authorization.startsWith('AWS4-HMAC-SHA256 ')) {
		const fields = Object.fromEntries(authorization.slice('AWS4-HMAC-SHA256 '.length).split(/,\s*/).map((part) => part.split(/=(.*)/s)));
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
		.map(([name, value]) => [rfc3986(name), rfc3986(value)])
		.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
		.map(([name, value]) => `${name}=${value}`)
		.join('&');
	const headerValue = (name) => {
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
