import type { Bucket, Tag } from '@aws-sdk/client-s3';
import type { JsonValue } from '../../engine/json.js';
import { defineStep, type StepContext } from '../../engine/step-definition.js';
import { awsClient, type AwsClientHandle } from './client.js';
import { mapWithConcurrency } from './concurrency.js';
import { AwsFailure } from '../../aws/explain-error.js';
import { toPlainJson, toPlainObject } from './plain-json.js';
import { listBuckets } from './s3-buckets.js';

export interface FindBucketsByTagInput {
  key: string;
  value?: string;
  prefix?: string;
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;

interface InspectedBucket {
  bucket: Bucket;
  region: string | undefined;
  tags: Tag[];
  /** Why the tags could not be read (access denied), when they could not. */
  unreadable?: string;
}

export default defineStep<FindBucketsByTagInput>({
  type: 'aws.s3.find-buckets-by-tag',
  description:
    "Find the account's S3 buckets that carry a tag, such as the Datomic ion code bucket (`datomic:code`), reading each bucket's tags in its own region. Result: `{ Buckets: [{ Name, CreationDate, BucketRegion, Tags }], Unreadable: [{ Name, Reason }] }`; buckets without tags are simply not matched.",
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['key'],
    properties: {
      key: { description: 'The tag key, such as `datomic:code`.', type: 'string', minLength: 1 },
      value: { description: 'Only buckets whose tag has this value. Omitted: any value.', type: 'string' },
      prefix: { description: 'Only look at buckets whose name starts with this (fewer calls).', type: 'string', minLength: 1 },
      concurrency: {
        description: `How many buckets' tags to read at once. Default ${DEFAULT_CONCURRENCY}.`,
        type: 'integer',
        minimum: 1,
        maximum: 64,
        default: DEFAULT_CONCURRENCY,
      },
    },
  },

  async run(ctx, input): Promise<JsonValue> {
    const s3 = await awsClient(ctx, 's3');
    const { buckets } = await listBuckets(s3, { prefix: input.prefix });
    ctx.progress(`reading the tags of ${buckets.length} buckets`);
    const inspected = await mapWithConcurrency(buckets, input.concurrency ?? DEFAULT_CONCURRENCY, ctx.signal, (bucket) => inspectBucket(ctx, s3, bucket));
    const matches = inspected.filter(({ tags }) => tags.some((tag) => tag.Key === input.key && (input.value === undefined || tag.Value === input.value)));
    const unreadable = inspected.flatMap(({ bucket, unreadable: reason }) => (reason === undefined ? [] : [{ Name: bucket.Name!, Reason: reason }]));
    for (const entry of unreadable) ctx.log(`could not read the tags of bucket ${entry.Name}: ${entry.Reason}`);
    return {
      Buckets: matches.map(({ bucket, region, tags }) => ({ ...toPlainObject(bucket), ...(region ? { BucketRegion: region } : {}), Tags: toPlainJson(tags) })),
      Unreadable: unreadable,
    };
  },
});

async function inspectBucket(ctx: StepContext, s3: AwsClientHandle<'s3'>, bucket: Bucket): Promise<InspectedBucket> {
  const name = bucket.Name!;
  let region = bucket.BucketRegion;
  try {
    region ??= await bucketRegion(s3, name);
    const regional = await awsClient(ctx, 's3', { region });
    const { TagSet } = await regional.client.send(new regional.sdk.GetBucketTaggingCommand({ Bucket: name }), regional.callOptions);
    return { bucket, region, tags: TagSet ?? [] };
  } catch (error) {
    if (!(error instanceof AwsFailure)) throw error;
    // a bucket without tags answers NoSuchTagSet; one deleted since the listing, NoSuchBucket
    if (error.awsCode === 'NoSuchTagSet' || error.awsCode === 'NoSuchBucket') return { bucket, region, tags: [] };
    if (error.code === 'aws-access-denied') return { bucket, region, tags: [], unreadable: error.message };
    throw error;
  }
}

/** ListBuckets names the region only when S3 chose to; older endpoints and emulators do not. */
async function bucketRegion(s3: AwsClientHandle<'s3'>, bucket: string): Promise<string> {
  const { LocationConstraint } = await s3.client.send(new s3.sdk.GetBucketLocationCommand({ Bucket: bucket }), s3.callOptions);
  // S3 reports its oldest regions by legacy names
  if (!LocationConstraint) return 'us-east-1';
  return LocationConstraint === 'EU' ? 'eu-west-1' : LocationConstraint;
}
