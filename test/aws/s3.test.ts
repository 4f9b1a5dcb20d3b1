import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../steps/aws/concurrency.js';
import findBucketsByTag from '../../steps/aws/s3-find-buckets-by-tag.js';
import listBuckets from '../../steps/aws/s3-list-buckets.js';
import { recordedCalls, recordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedCodeBucket } from '../support/seed-datomic.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto();
const UNTAGGED_BUCKETS = 6;

type BucketsResult = { Buckets: Array<{ Name: string; BucketRegion?: string; Tags?: Array<{ Key: string; Value: string }>; CreationDate?: string }> };

describe('reading many buckets at once', () => {
  it('never has more than the bound in flight, and keeps the order of the items', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6], 3, new AbortController().signal, async (delayMs) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight -= 1;
      return delayMs * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });

  it('starts nothing more once the signal fires', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const work = mapWithConcurrency([1, 2, 3, 4], 1, controller.signal, async (item) => {
      started.push(item);
      if (item === 2) controller.abort(new Error('interrupted'));
    });
    await expect(work).rejects.toThrow('interrupted');
    expect(started).toEqual([1, 2]);
  });
});

describeMoto('the S3 step types against moto', () => {
  let codeBucket: string;
  let europeanCodeBucket: string;

  beforeAll(async () => {
    const s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true });
    await Promise.all(Array.from({ length: UNTAGGED_BUCKETS }, (_, index) => s3.send(new CreateBucketCommand({ Bucket: `plain-bucket-${index}` }))));
    await s3.send(new CreateBucketCommand({ Bucket: 'team-notes' }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'team-notes', Tagging: { TagSet: [{ Key: 'owner', Value: 'ops' }] } }));
    codeBucket = (await seedCodeBucket(moto.url, { region: 'us-east-1' })).bucketName;
    europeanCodeBucket = (await seedCodeBucket(moto.url, { region: 'eu-west-1' })).bucketName;
  });

  it('lists every bucket, or those whose name starts with a prefix', async () => {
    const all = (await listBuckets.run(fakeStepContext(), {})) as BucketsResult;
    expect(all.Buckets.map((bucket) => bucket.Name)).toEqual(expect.arrayContaining([codeBucket, europeanCodeBucket, 'team-notes', 'plain-bucket-0']));
    expect(all.Buckets).toHaveLength(UNTAGGED_BUCKETS + 3);
    expect(all.Buckets[0]!.CreationDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    const plain = (await listBuckets.run(fakeStepContext(), { prefix: 'plain-' })) as BucketsResult;
    expect(plain.Buckets).toHaveLength(UNTAGGED_BUCKETS);
  });

  it('finds the ion code buckets by their tag, untagged buckets being no error', async () => {
    const result = (await findBucketsByTag.run(fakeStepContext(), { key: 'datomic:code' })) as BucketsResult & { Unreadable: unknown[] };
    expect(result.Buckets.map((bucket) => [bucket.Name, bucket.BucketRegion]).sort()).toEqual(
      [
        [codeBucket, 'us-east-1'],
        [europeanCodeBucket, 'eu-west-1'],
      ].sort(),
    );
    expect(result.Buckets.find((bucket) => bucket.Name === europeanCodeBucket)!.Tags).toEqual([{ Key: 'datomic:code', Value: 'eu-west-1' }]);
    expect(result.Unreadable).toEqual([]);
  });

  it("reads each bucket's tags in the bucket's own region", async () => {
    const mark = await recordingMark(moto.url);
    await findBucketsByTag.run(fakeStepContext(), { key: 'datomic:code', value: 'eu-west-1', concurrency: 3 });
    const taggingCalls = (await recordedCalls(moto.url))
      .slice(mark.count)
      .filter((call) => call.service === 's3' && new URL(call.url).searchParams.has('tagging'));
    expect(taggingCalls).toHaveLength(UNTAGGED_BUCKETS + 3);
    expect(taggingCalls.find((call) => call.url.includes(`/${europeanCodeBucket}`))!.region).toBe('eu-west-1');
    expect(taggingCalls.find((call) => call.url.includes(`/${codeBucket}`))!.region).toBe('us-east-1');
  });

  it('matches on the value when one is given', async () => {
    const european = (await findBucketsByTag.run(fakeStepContext(), { key: 'datomic:code', value: 'eu-west-1' })) as BucketsResult;
    expect(european.Buckets.map((bucket) => bucket.Name)).toEqual([europeanCodeBucket]);
    const none = (await findBucketsByTag.run(fakeStepContext(), { key: 'owner', value: 'finance' })) as BucketsResult;
    expect(none.Buckets).toEqual([]);
  });
});
