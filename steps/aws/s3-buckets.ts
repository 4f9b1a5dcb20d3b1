import type { Bucket, Owner } from '@aws-sdk/client-s3';
import type { AwsClientHandle } from './client.js';

/** As many as S3 returns in one page; asking for a page size also makes S3 include BucketRegion. */
const BUCKETS_PER_PAGE = 1000;

export interface BucketListing {
  buckets: Bucket[];
  owner: Owner | undefined;
}

export async function listBuckets(s3: AwsClientHandle<'s3'>, filter: { prefix?: string; bucketRegion?: string }): Promise<BucketListing> {
  const { sdk, client, callOptions } = s3;
  const buckets: Bucket[] = [];
  let owner: Owner | undefined;
  const request = { Prefix: filter.prefix, BucketRegion: filter.bucketRegion };
  for await (const page of sdk.paginateListBuckets({ client, pageSize: BUCKETS_PER_PAGE }, request, callOptions)) {
    buckets.push(...(page.Buckets ?? []));
    owner ??= page.Owner;
  }
  return { buckets, owner };
}
