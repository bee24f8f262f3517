import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import pLimit from 'p-limit';
import type { StoreConfig } from '../../config/types.js';
import { StoreError, type ObjectStore } from './object-store.js';

// The SDK warns on stderr that later versions need Node 22: it would land in the middle of the
// console's frame. Switchyard runs on Node 20 with the versions package.json allows.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Parts of a multipart upload; S3 takes at most 10,000 parts, so 8 MiB carries files up to 78 GiB. */
const partSize = 8 * 1024 * 1024;

/** Up to this many keys are asked for one by one (HEAD); more, and the prefix is listed instead. */
const headAtMost = 32;

/**
 * The store through the AWS SDK v3. Credentials come from the SDK's default chain on this machine
 * (environment, shared config and profiles, SSO, instance roles); nothing of them ever reaches a host.
 */
export function s3Store(config: StoreConfig): ObjectStore {
	const client = new S3Client({
		...(config.region === undefined ? {} : { region: config.region }),
		...(config.endpoint === undefined ? {} : { endpoint: config.endpoint, forcePathStyle: true }),
		// S3-compatible servers (MinIO, R2, Ceph, s3rver) differ in which flexible checksums they take;
		// the hosts verify every file's sha256 anyway.
		requestChecksumCalculation: 'WHEN_REQUIRED',
		responseChecksumValidation: 'WHEN_REQUIRED',
		requestHandler: { connectionTimeout: 10_000 },
	});
	const where = `${config.url}${config.endpoint ? ` at ${config.endpoint}` : ''}`;
	const fail = (error: unknown, doing: string) => new StoreError(`${doing} ${where}: ${describeStoreError(error, config)}`);
	return {
		config,
		async check() {
			try {
				// A listing, not HeadBucket: a HEAD's error has no body, so a wrong secret would read as "access denied".
				await client.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: config.prefix ? `${config.prefix}/` : '', MaxKeys: 1 }));
			} catch (error) {
				throw fail(error, 'the store');
			}
		},
		async existing(under, keys) {
			try {
				if (keys.length <= headAtMost) {
					const limit = pLimit(8);
					const found = await Promise.all(keys.map((key) => limit(() => client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key })).then(() => true, (error: unknown) => (isNotFound(error) ? false : Promise.reject(error))))));
					return new Set(keys.filter((_, index) => found[index]));
				}
				const listed = new Set<string>();
				let token: string | undefined;
				do {
					const page = await client.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: under, ...(token ? { ContinuationToken: token } : {}) }));
					for (const object of page.Contents ?? []) if (object.Key) listed.add(object.Key);
					token = page.IsTruncated ? page.NextContinuationToken : undefined;
				} while (token);
				return new Set(keys.filter((key) => listed.has(key)));
			} catch (error) {
				throw fail(error, 'listing');
			}
		},
		async put(key, body, size, progress) {
			try {
				const upload = new Upload({ client, params: { Bucket: config.bucket, Key: key, Body: Buffer.isBuffer(body) ? body : body(), ContentLength: size }, partSize, queueSize: 4 });
				if (progress) upload.on('httpUploadProgress', (event) => event.loaded !== undefined && progress(event.loaded));
				await upload.done();
			} catch (error) {
				throw fail(error, `uploading ${key} to`);
			}
		},
		async sign(keys, ttlSeconds, at) {
			return Promise.all(keys.map((key) => getSignedUrl(client, new GetObjectCommand({ Bucket: config.bucket, Key: key }), { expiresIn: ttlSeconds, signingDate: at })));
		},
		async remove(key) {
			try {
				await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
			} catch (error) {
				throw fail(error, `removing ${key} from`);
			}
		},
		close: () => client.destroy(),
	};
}

const isNotFound = (error: unknown): boolean => error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');

/** The SDK's errors as the one thing to fix. */
export function describeStoreError(error: unknown, config: Pick<StoreConfig, 'bucket' | 'endpoint'>): string {
	const name = (error as { name?: string }).name ?? '';
	const message = (error as Error).message ?? String(error);
	const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
	const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
	if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) return 'no AWS credentials on this machine (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run aws sso login)';
	if (/Region is missing/i.test(message)) return 'no region: set [store] region = "…" (or AWS_REGION)';
	if (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return `cannot reach the server (${code})`;
	if (name === 'TimeoutError' || /timed? ?out/i.test(name)) return 'cannot reach the server (timed out)';
	if (name === 'NoSuchBucket' || (status === 404 && (name === 'NotFound' || name === 'Unknown'))) return `no bucket named ${config.bucket}`;
	if (name === 'InvalidAccessKeyId') return 'the access key is not known there (InvalidAccessKeyId): check AWS_ACCESS_KEY_ID or the profile';
	if (name === 'SignatureDoesNotMatch') return 'the secret key does not match the access key (SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY or the profile';
	if (status === 403 || name === 'AccessDenied' || name === 'Forbidden') return 'access denied: these credentials may not use the bucket (they need s3:ListBucket, s3:GetObject, s3:PutObject)';
	return `${name && name !== 'Error' ? `${name}: ` : ''}${message.split('\n')[0]}${status ? ` (HTTP ${status})` : ''}`;
}
