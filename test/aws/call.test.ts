import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { beforeAll, expect, it } from 'vitest';
import call from '../../steps/aws/call.js';
import getCallerIdentity from '../../steps/aws/sts-get-caller-identity.js';
import { recordedCalls, recordingMark, writeCallsSince } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { seedCodeBucket, seedDatomicSystem } from '../support/seed-datomic.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto();
const EXTRA_STACKS = 52;

describeMoto('aws.sts.get-caller-identity and aws.call against moto', () => {
  beforeAll(async () => {
    await seedDatomicSystem(moto.url, { system: 'catalog' });
    const cloudformation = new CloudFormationClient({ endpoint: moto.url, region: moto.region });
    const template = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });
    await Promise.all(Array.from({ length: EXTRA_STACKS }, (_, index) => cloudformation.send(new CreateStackCommand({ StackName: `extra-${index}`, TemplateBody: template }))));
  });

  it('says who the credentials belong to', async () => {
    expect(await getCallerIdentity.run(fakeStepContext(), {})).toEqual({
      UserId: expect.any(String),
      Account: '123456789012',
      Arn: expect.stringMatching(/^arn:aws:(iam|sts)::123456789012:/),
    });
  });

  it('calls a read the step types do not cover, named as the API or as the SDK names it', async () => {
    const viaApiName = (await call.run(fakeStepContext(), {
      service: 'cloudformation',
      operation: 'DescribeStackResources',
      input: { StackName: 'catalog-compute' },
    })) as { StackResources: Array<{ LogicalResourceId: string }> };
    expect(viaApiName.StackResources.map((resource) => resource.LogicalResourceId)).toEqual(expect.arrayContaining(['TxAutoScalingGroup', 'Bastion']));
    const viaSdkName = await call.run(fakeStepContext(), { service: 'cloudformation', operation: 'describeStackResources', input: { StackName: 'catalog-compute' } });
    expect(viaSdkName).toEqual(viaApiName);
  });

  it('joins the pages of a paginated read when asked', async () => {
    const mark = await recordingMark(moto.url);
    const joined = (await call.run(fakeStepContext(), { service: 'cloudformation', operation: 'DescribeStacks', paginate: true })) as Record<string, unknown>;
    expect((joined.Stacks as unknown[]).length).toBe(EXTRA_STACKS + 2);
    expect(joined).not.toHaveProperty('NextToken');
    const pages = (await recordedCalls(moto.url)).slice(mark.count).filter((recorded) => recorded.operation === 'DescribeStacks');
    expect(pages).toHaveLength(2);
    const firstPage = (await call.run(fakeStepContext(), { service: 'cloudformation', operation: 'DescribeStacks' })) as Record<string, unknown>;
    expect((firstPage.Stacks as unknown[]).length).toBe(50);
    expect(firstPage.NextToken).toEqual(expect.any(String));
  });

  it('finds tagged buckets through the Resource Groups Tagging API, one page after the other', async () => {
    // AWS answers GetResources for the client's region only; moto answers for every region,
    // so both buckets are made in the one region asked
    const first = await seedCodeBucket(moto.url, { region: 'us-east-1', bucketName: 'datomic-code-first' });
    const second = await seedCodeBucket(moto.url, { region: 'us-east-1', bucketName: 'datomic-code-second' });
    const mark = await recordingMark(moto.url);
    const found = (await call.run(fakeStepContext({ settings: { aws: { region: 'us-east-1' } } }), {
      service: 'resourcegroupstaggingapi',
      operation: 'GetResources',
      input: { TagFilters: [{ Key: 'datomic:code' }], ResourceTypeFilters: ['s3:bucket'], ResourcesPerPage: 1 },
      paginate: true,
    })) as { ResourceTagMappingList: { ResourceARN: string }[] };
    expect(found.ResourceTagMappingList.map((resource) => resource.ResourceARN).sort()).toEqual([`arn:aws:s3:::${first.bucketName}`, `arn:aws:s3:::${second.bucketName}`]);
    expect(found).not.toHaveProperty('PaginationToken');
    const pages = (await recordedCalls(moto.url)).slice(mark.count).filter((recorded) => recorded.operation === 'GetResources');
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses any operation that is not a read, even outside a dry-run, before sending it', async () => {
    const mark = await recordingMark(moto.url);
    for (const operation of ['DeleteStack', 'terminateInstances', 'PutBucketTagging']) {
      await expect(call.run(fakeStepContext(), { service: 'cloudformation', operation, input: { StackName: 'catalog-compute' } })).rejects.toMatchObject({
        code: 'not-a-read',
        retryable: false,
        message: expect.stringContaining(`is not a read (reads start with Describe, List, Get or Head)`),
      });
    }
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('suggests the operation meant when the name is misspelt', async () => {
    await expect(call.run(fakeStepContext(), { service: 'ec2', operation: 'DescribeInstance' })).rejects.toThrow(
      'ec2 has no operation "DescribeInstance"; did you mean "DescribeInstances"?',
    );
    await expect(call.run(fakeStepContext(), { service: 'sts', operation: 'GetCallerIdentity', paginate: true })).rejects.toThrow(
      'sts:GetCallerIdentity has no pages: call it without paginate',
    );
  });
});
