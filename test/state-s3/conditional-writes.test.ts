import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, expect, it } from 'vitest';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { newBucket, readObject, testS3 } from './support/s3.js';

const moto = useMoto();

/**
 * The S3 state backend is only as safe as the emulator's conditional writes are real: if moto
 * ignored If-None-Match or If-Match, every lock and journal test would pass for nothing.
 */
describeMoto('moto honours conditional writes on PutObject and DeleteObject', () => {
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    s3 = testS3(moto.url);
    bucket = await newBucket(s3, 'probe');
  });

  const put = (Key: string, Body: string, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ServerSideEncryption: 'AES256', ...condition }));
  const failure = (promise: Promise<unknown>) => promise.then(() => 'written', (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.name} ${error.$metadata?.httpStatusCode}`);

  it('If-None-Match: * creates once and refuses the second writer, leaving the first write in place', async () => {
    expect(await failure(put('create-once', 'first', { IfNoneMatch: '*' }))).toBe('written');
    expect(await failure(put('create-once', 'second', { IfNoneMatch: '*' }))).toBe('PreconditionFailed 412');
    expect(await readObject(s3, bucket, 'create-once')).toBe('first');
  });

  it('If-Match writes only over the version whose ETag it names', async () => {
    const first = await put('versioned', 'one');
    const second = await put('versioned', 'two', { IfMatch: first.ETag! });
    expect(second.ETag).not.toBe(first.ETag);
    expect(await failure(put('versioned', 'three', { IfMatch: first.ETag! }))).toBe('PreconditionFailed 412');
    expect(await readObject(s3, bucket, 'versioned')).toBe('two');
  });

  it('of 20 simultaneous conditional writers exactly one wins, with If-None-Match and with If-Match', async () => {
    const creates = await Promise.all(Array.from({ length: 20 }, (_, index) => failure(put('raced-create', `writer ${index}`, { IfNoneMatch: '*' }))));
    expect(creates.filter((outcome) => outcome === 'written')).toHaveLength(1);
    const base = await put('raced-update', 'base');
    const updates = await Promise.all(Array.from({ length: 20 }, (_, index) => failure(put('raced-update', `writer ${index}`, { IfMatch: base.ETag! }))));
    expect(updates.filter((outcome) => outcome === 'written')).toHaveLength(1);
  });

  it('DeleteObject with If-Match deletes only the version named', async () => {
    const version = await put('deleted', 'v1');
    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'deleted', IfMatch: '"0123456789abcdef0123456789abcdef"' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(await readObject(s3, bucket, 'deleted')).toBe('v1');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'deleted', IfMatch: version.ETag! }));
    expect(await readObject(s3, bucket, 'deleted')).toBeUndefined();
  });

  it('keeps the server-side encryption a put asked for', async () => {
    await put('encrypted', 'secret-free');
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'encrypted' }))).ServerSideEncryption).toBe('AES256');
  });
});
