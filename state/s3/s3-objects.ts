import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../../engine/exit-codes.js';
import { asSdkError, isAccessDenied, isCredentialsProviderError, isMissingRegion, isRefusedCredentials, networkErrorCode, redactSecrets, type SdkErrorShape } from '../../aws/explain-error.js';
import { newSdkClient } from '../../aws/sdk-clients.js';
import { s3Address, type S3Location } from './s3-location.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');

export interface StoredObject {
  body: string;
  etag: string;
  lastModified: Date | undefined;
}

/** `ifNoneMatch`: only if there is no such object yet; `ifMatch`: only if it is still this version. */
export type WriteCondition = { ifNoneMatch: true } | { ifMatch: string };

/** A conditional write either happened, with the new version's ETag, or found its condition false. */
export type WriteOutcome = { written: true; etag: string } | { written: false };

/** Objects read at once when many are read, such as a journal's events. */
const PARALLEL_READS = 16;

/**
 * The objects of one bucket and prefix, keyed relative to the prefix. Every write asks for
 * server-side encryption; every failure becomes a message that names the address and says
 * what to do.
 */
export class S3Objects {
  constructor(
    private readonly sdk: S3Sdk,
    private readonly client: S3Client,
    readonly location: S3Location,
  ) {}

  address(key = ''): string {
    return s3Address(this.location, key);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
      return { body: (await response.Body?.transformToString('utf8')) ?? '', etag: response.ETag ?? '', lastModified: response.LastModified };
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw this.explain(error, 'GetObject', key);
    }
  }

  /** Reads many objects, a few at a time; missing ones come back undefined. */
  async getMany(keys: readonly string[]): Promise<(StoredObject | undefined)[]> {
    const results = new Array<StoredObject | undefined>(keys.length);
    let next = 0;
    const reader = async () => {
      while (next < keys.length) {
        const index = next++;
        results[index] = await this.get(keys[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, keys.length) }, reader));
    return results;
  }

  async put(key: string, body: string, condition?: WriteCondition): Promise<WriteOutcome> {
    try {
      const response = await this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.location.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentType: key.endsWith('.yaml') ? 'application/yaml' : 'application/json',
          ServerSideEncryption: this.location.serverSideEncryption,
          ...(this.location.kmsKeyId === undefined ? {} : { SSEKMSKeyId: this.location.kmsKeyId }),
          ...(condition && 'ifNoneMatch' in condition ? { IfNoneMatch: '*' } : {}),
          ...(condition && 'ifMatch' in condition ? { IfMatch: condition.ifMatch } : {}),
        }),
      );
      return { written: true, etag: response.ETag ?? '' };
    } catch (error) {
      if (condition && conditionFailed(error)) return { written: false };
      throw this.explain(error, 'PutObject', key);
    }
  }

  /** Deletes the object if it is still the version `etag`; false when it is not (or is gone). */
  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key), IfMatch: etag }));
      return true;
    } catch (error) {
      if (conditionFailed(error) || errorName(error) === 'NoSuchKey') return false;
      throw this.explain(error, 'DeleteObject', key);
    }
  }

  /** Keys under `under` (relative, ending in `/` or empty), and with `delimiter` the "folders" one level down. */
  async list(under: string, options: { delimiter?: '/'; maxKeys?: number } = {}): Promise<{ keys: string[]; folders: string[] }> {
    const keys: string[] = [];
    const folders: string[] = [];
    const base = this.fullKey(under);
    const strip = (full: string) => full.slice(this.fullKey('').length);
    let token: string | undefined;
    do {
      let response;
      try {
        response = await this.client.send(
          new this.sdk.ListObjectsV2Command({
            Bucket: this.location.bucket,
            Prefix: base,
            ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
            ...(options.maxKeys ? { MaxKeys: options.maxKeys } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (error) {
        throw this.explain(error, 'ListObjectsV2', under);
      }
      keys.push(...(response.Contents ?? []).map((object) => strip(object.Key ?? '')));
      folders.push(...(response.CommonPrefixes ?? []).map((folder) => strip(folder.Prefix ?? '')));
      token = options.maxKeys ? undefined : response.NextContinuationToken;
    } while (token);
    return { keys, folders };
  }

  /** The key in the bucket: `key` is relative to the prefix. */
  private fullKey(key: string): string {
    return this.location.prefix === '' ? key : `${this.location.prefix}/${key}`;
  }

  private explain(error: unknown, operation: string, key: string): UsageError {
    return new UsageError(redactSecrets(explainS3Error(error, operation, this.address(key), this.location)));
  }
}

/**
 * Builds the client lazily: a run that keeps its state on local disk never loads the SDK. Its
 * configuration is the AWS steps' own (retries, user agent), so a throttled bucket is retried alike.
 */
export async function openS3Objects(location: S3Location): Promise<S3Objects> {
  const { sdk, client } = await newSdkClient('s3', { region: location.region, profile: location.profile }, { dryRun: false });
  return new S3Objects(sdk, client, location);
}

function errorName(error: unknown): string {
  return (error as Partial<SdkErrorShape> | undefined)?.name ?? '';
}

/** 412: the condition was false. 409: another conditional write to the key was in progress; it may win. */
function conditionFailed(error: unknown): boolean {
  const status = (error as Partial<SdkErrorShape> | undefined)?.$metadata?.httpStatusCode;
  return errorName(error) === 'PreconditionFailed' || errorName(error) === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** The IAM permission each call needs. */
const PERMISSION: Record<string, string> = {
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
  ListObjectsV2: 's3:ListBucket',
};

function explainS3Error(error: unknown, operation: string, address: string, location: S3Location): string {
  const sdk = asSdkError(error);
  const { name, message } = sdk;
  const store = s3Address(location);
  const credentials = location.profile ? `profile "${location.profile}"` : 'the default AWS credentials';
  const choose = 'point --state, STEPWISE_STATE or the state: entry of stepwise.config.yaml elsewhere';
  if (name === 'NoSuchBucket') return `the state bucket "${location.bucket}" does not exist (${store}): create it, or ${choose}`;
  if (isAccessDenied(sdk)) {
    return [
      `access denied to the state in ${store}: ${credentials} may not ${PERMISSION[operation] ?? operation} on ${address}.`,
      `The state needs s3:ListBucket on the bucket and s3:GetObject, s3:PutObject and s3:DeleteObject under the prefix${location.serverSideEncryption === 'aws:kms' ? ', and kms:GenerateDataKey and kms:Decrypt on the key' : ''};`,
      'ask for them, or use other credentials (AWS_PROFILE, or ?profile=NAME after the address).',
    ].join(' ');
  }
  if (isCredentialsProviderError(sdk)) {
    return `no usable AWS credentials for the state in ${store} (${message}): set AWS_PROFILE (or ?profile=NAME after the address), log in with \`aws sso login\`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  if (isRefusedCredentials(sdk)) return `S3 does not accept ${credentials} for the state in ${store} (${name}): log in again, or use other credentials`;
  if (isMissingRegion(sdk)) return `no AWS region for the state in ${store}: set AWS_REGION, or add ?region=NAME after the address`;
  const networkCode = networkErrorCode(sdk);
  if (networkCode !== undefined) {
    return `could not reach S3 for the state in ${store} (${networkCode}): check the network, a proxy, or AWS_ENDPOINT_URL if it is set`;
  }
  return `S3 ${operation} of ${address} failed: ${name}: ${message}`;
}
