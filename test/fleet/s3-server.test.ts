import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../support/s3-server.js';

/** The test store refuses what a real one refuses, and does what Switchyard asks of one. */
describe('the test S3 server (s3rver with SigV4 checked)', () => {
	let server: S3Server;
	let client: S3Client;
	const clientWith = (secretAccessKey: string) => new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey } });

	beforeAll(async () => {
		server = await startS3Server();
		client = clientWith('S3RVER');
	});
	afterAll(async () => {
		client?.destroy();
		await server?.stop();
	});

	it('takes multipart uploads, lists in pages, serves presigned links', async () => {
		const big = Buffer.alloc(11 * 1024 * 1024, 7);
		await new Upload({ client, params: { Bucket: server.bucket, Key: 'big', Body: big }, partSize: 5 * 1024 * 1024 }).done();
		for (let index = 0; index < 5; index += 1) await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `many/${index}`, Body: `${index}` }));
		const first = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'many/', MaxKeys: 2 }));
		const second = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'many/', MaxKeys: 2, ContinuationToken: first.NextContinuationToken }));
		expect([first.Contents?.map((object) => object.Key), second.Contents?.map((object) => object.Key)]).toEqual([['many/0', 'many/1'], ['many/2', 'many/3']]);
		const link = await getSignedUrl(client, new GetObjectCommand({ Bucket: server.bucket, Key: 'big' }), { expiresIn: 60 });
		const response = await fetch(link);
		expect(response.status).toBe(200);
		expect(Buffer.from(await response.arrayBuffer()).equals(big)).toBe(true);
	});

	it('refuses a wrong secret, a tampered link, an expired link and an unsigned request', async () => {
		const wrong = clientWith('not-the-secret');
		await expect(wrong.send(new ListObjectsV2Command({ Bucket: server.bucket }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
		wrong.destroy();
		await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'small', Body: 'hello' }));
		const link = await getSignedUrl(client, new GetObjectCommand({ Bucket: server.bucket, Key: 'small' }), { expiresIn: 60 });
		expect((await fetch(link)).status).toBe(200);
		const tampered = link.replace(/X-Amz-Signature=([0-9a-f])/, (_, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`);
		expect(await (await fetch(tampered)).text()).toContain('<Code>SignatureDoesNotMatch</Code>');
		expect(await (await fetch(link.replace('/small?', '/big?'))).text()).toContain('<Code>SignatureDoesNotMatch</Code>');
		const old = await getSignedUrl(client, new GetObjectCommand({ Bucket: server.bucket, Key: 'small' }), { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
		expect(await (await fetch(old)).text()).toContain('Request has expired');
		const unsigned = await fetch(`${server.endpoint}/${server.bucket}/small`);
		expect(unsigned.status).toBe(403);
	});
});
