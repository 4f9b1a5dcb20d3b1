import { parseDuration } from '../../engine/duration.js';
import { UsageError } from '../../engine/exit-codes.js';
import { didYouMean } from '../../engine/validate/did-you-mean.js';

/** Where a team's runs live in S3, and how to reach it. */
export interface S3Location {
  bucket: string;
  /** Without slashes at either end; empty for the whole bucket. */
  prefix: string;
  region: string | undefined;
  profile: string | undefined;
  /** How long a lock lives unless its holder renews it. */
  lockTtlMs: number;
  serverSideEncryption: 'AES256' | 'aws:kms';
  kmsKeyId: string | undefined;
}

const DEFAULT_LOCK_TTL_MS = 60_000;
const MIN_LOCK_TTL_MS = 1_000;
const MAX_LOCK_TTL_MS = 3_600_000;

const OPTIONS = ['region', 'profile', 'lock-ttl', 'sse', 'kms-key-id'] as const;
/** S3's rules for new general purpose buckets: 3 to 63 characters, lower case, digits, dots and dashes. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `s3://bucket/prefix`, with optional settings after `?`: `region`, `profile`, `lock-ttl`
 * (such as `60s`), `sse` (`AES256` or `aws:kms`) and `kms-key-id`.
 */
export function parseS3Location(address: string): S3Location {
  const match = /^s3:\/\/([^/?]*)\/?([^?]*)(?:\?(.*))?$/.exec(address);
  if (!match) throw new UsageError(`${address} is not an S3 address: write s3://BUCKET/PREFIX`);
  const [, bucket = '', rawPrefix = '', query = ''] = match;
  if (!BUCKET_NAME.test(bucket)) {
    throw new UsageError(`${address}: "${bucket}" is not a bucket name: 3 to 63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit`);
  }
  const prefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new UsageError(`${address}: the prefix "${rawPrefix}" has an empty, "." or ".." part; write it like team/stepwise`);
  }
  const settings = new URLSearchParams(query);
  for (const name of settings.keys()) {
    if (!(OPTIONS as readonly string[]).includes(name)) {
      throw new UsageError(`${address}: unknown setting "${name}"${didYouMean(name, OPTIONS) || `; allowed: ${OPTIONS.join(', ')}`}`);
    }
  }
  return {
    bucket,
    prefix,
    region: settings.get('region') ?? undefined,
    profile: settings.get('profile') ?? undefined,
    lockTtlMs: lockTtl(address, settings.get('lock-ttl')),
    serverSideEncryption: encryption(address, settings.get('sse')),
    kmsKeyId: settings.get('kms-key-id') ?? undefined,
  };
}

/** The address without its settings, as messages show it: s3://bucket/prefix. */
export function s3Address(location: Pick<S3Location, 'bucket' | 'prefix'>, key = ''): string {
  return `s3://${location.bucket}/${[location.prefix, key].filter(Boolean).join('/')}`;
}

function lockTtl(address: string, text: string | null): number {
  if (text === null) return DEFAULT_LOCK_TTL_MS;
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_LOCK_TTL_MS || ms > MAX_LOCK_TTL_MS) {
    throw new UsageError(`${address}: lock-ttl=${text} is not a duration from 1s to 1h, such as 60s or 5m`);
  }
  return ms;
}

function encryption(address: string, text: string | null): S3Location['serverSideEncryption'] {
  if (text === null) return 'AES256';
  if (text === 'AES256' || text === 'aws:kms') return text;
  throw new UsageError(`${address}: sse=${text} is not a server-side encryption S3 offers here; allowed: AES256, aws:kms`);
}
