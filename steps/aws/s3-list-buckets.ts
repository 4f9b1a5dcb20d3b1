import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { awsClient } from './client.js';
import { toPlainJson } from './plain-json.js';
import { listBuckets } from './s3-buckets.js';

export interface ListBucketsInput {
  prefix?: string;
  bucketRegion?: string;
}

export default defineStep<ListBucketsInput>({
  type: 'aws.s3.list-buckets',
  description: "List the account's S3 buckets, from every region, page after page. Result: `{ Buckets: [{ Name, CreationDate, BucketRegion }], Owner }`.",
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    properties: {
      prefix: { description: 'Only buckets whose name starts with this.', type: 'string', minLength: 1 },
      bucketRegion: { description: 'Only buckets in this region, such as `eu-west-1`.', type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$' },
    },
  },

  async run(ctx, input): Promise<JsonValue> {
    const s3 = await awsClient(ctx, 's3');
    const { buckets, owner } = await listBuckets(s3, input);
    return { Buckets: toPlainJson(buckets), ...(owner ? { Owner: toPlainJson(owner) } : {}) };
  },
});
