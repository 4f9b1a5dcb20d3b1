import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';

/** The test's own view of the bucket, independent of the state backend it checks. */
export function testS3(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}

/** A new bucket with a name no other test uses. */
export async function newBucket(s3: S3Client, label: string): Promise<string> {
  const bucket = `${label}-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await response.Body!.transformToString('utf8');
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

export async function writeObject(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Every object of the bucket with its content: what a secret must never be found in. */
export async function everyObject(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  for (const key of await listKeys(s3, bucket)) objects.set(key, (await readObject(s3, bucket, key)) ?? '');
  return objects;
}

/** A journal's events, read without the engine: one object per event under journal/. */
export async function journalEvents(s3: S3Client, bucket: string, runFolder: string): Promise<Array<Record<string, unknown> & { seq: number; type: string }>> {
  const keys = await listKeys(s3, bucket, `${runFolder}journal/`);
  const events = [];
  for (const key of keys) events.push(JSON.parse((await readObject(s3, bucket, key))!) as Record<string, unknown> & { seq: number; type: string });
  return events;
}
