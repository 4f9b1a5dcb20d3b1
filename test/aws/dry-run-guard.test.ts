import { describe, expect, it } from 'vitest';
import { StepFailure } from '../../engine/step-failure.js';
import { awsClient } from '../../steps/aws/client.js';
import updateStack from '../../steps/aws/cloudformation-update-stack.js';
import { isReadOperation, operationName } from '../../steps/aws/read-operations.js';
import { recordedCalls, recordingMark, writeCallsSince } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { datomicTemplateUrl, seedDatomicSystem } from '../support/seed-datomic.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto();

describe('which operations count as reads', () => {
  it('allows Describe, List, Get, Head and the named reads, in any spelling', () => {
    for (const read of ['DescribeStacks', 'describeInstances', 'ListBuckets', 'GetBucketTaggingCommand', 'HeadBucket', 'ValidateTemplate', 'EstimateTemplateCost', 'GetCallerIdentity', 'Get']) {
      expect(isReadOperation(read), read).toBe(true);
    }
  });

  it('treats everything else as a write, including names that only look like reads', () => {
    for (const write of ['UpdateStack', 'createStack', 'RunInstances', 'TerminateInstances', 'PutBucketTagging', 'DeleteBucket', 'ExecuteChangeSet', 'Getaway', 'Listen', 'Headline', 'DetectStackDrift']) {
      expect(isReadOperation(write), write).toBe(false);
    }
    expect(operationName('describeStacksCommand')).toBe('DescribeStacks');
  });
});

describeMoto('the dry-run guard', () => {
  it("marks a dry-run client's requests in their user agent, which the suite-wide check after each file relies on", async () => {
    const mark = await recordingMark(moto.url);
    const dry = await awsClient(fakeStepContext({ dryRun: true }), 'sts');
    const real = await awsClient(fakeStepContext(), 'sts');
    await dry.client.send(new dry.sdk.GetCallerIdentityCommand({}), dry.callOptions);
    await real.client.send(new real.sdk.GetCallerIdentityCommand({}), real.callOptions);
    const calls = (await recordedCalls(moto.url)).slice(mark.count);
    expect(calls.map((call) => [call.operation, call.dryRun])).toEqual([
      ['GetCallerIdentity', true],
      ['GetCallerIdentity', false],
    ]);
  });

  it('refuses write calls made straight through a dry-run client before they leave the process', async () => {
    const context = fakeStepContext({ dryRun: true });
    const cloudformation = await awsClient(context, 'cloudformation');
    const ec2 = await awsClient(context, 'ec2');
    const s3 = await awsClient(context, 's3');
    const mark = await recordingMark(moto.url);

    const refusals = [
      cloudformation.client.send(new cloudformation.sdk.CreateStackCommand({ StackName: 'guarded', TemplateBody: '{}' }), cloudformation.callOptions),
      cloudformation.client.send(new cloudformation.sdk.UpdateStackCommand({ StackName: 'guarded', UsePreviousTemplate: true }), cloudformation.callOptions),
      ec2.client.send(new ec2.sdk.RunInstancesCommand({ ImageId: 'ami-12345678', MinCount: 1, MaxCount: 1 }), ec2.callOptions),
      ec2.client.send(new ec2.sdk.TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }), ec2.callOptions),
      s3.client.send(new s3.sdk.CreateBucketCommand({ Bucket: 'guarded-bucket' }), s3.callOptions),
    ];
    for (const refusal of refusals) {
      const error = await refusal.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(StepFailure);
      expect(error).toMatchObject({ code: 'dry-run-guard', retryable: false, message: expect.stringMatching(/dry-run: refused \w+:\w+, which is not a read/) });
    }
    // reads still go through, so the recorder is known to see this client's calls
    await s3.client.send(new s3.sdk.ListBucketsCommand({}), s3.callOptions);

    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
  });

  it('lets the recorder see a write from a client that is not in a dry-run (the check above can fail)', async () => {
    const s3 = await awsClient(fakeStepContext(), 's3');
    const mark = await recordingMark(moto.url);
    await s3.client.send(new s3.sdk.CreateBucketCommand({ Bucket: 'recorded-bucket' }), s3.callOptions);
    expect(await writeCallsSince(moto.url, mark)).toEqual([expect.objectContaining({ service: 's3', method: 'PUT', region: 'us-east-1' })]);
  });

  it('lets CreateChangeSet, DescribeChangeSet and DeleteChangeSet through only for a client that previews with change sets, and no other write', async () => {
    await seedDatomicSystem(moto.url, { system: 'previewed' });
    const context = fakeStepContext({ dryRun: true });
    const plain = await awsClient(context, 'cloudformation');
    const previewer = await awsClient(context, 'cloudformation', { previewsWithChangeSets: true });
    const readOnly = await awsClient(fakeStepContext({ dryRun: true, settings: { aws: { changeSets: false } } }), 'cloudformation', { previewsWithChangeSets: true });
    const mark = await recordingMark(moto.url);
    const changeSet = { StackName: 'previewed-compute', ChangeSetName: 'guarded', ChangeSetType: 'UPDATE' as const, UsePreviousTemplate: true };

    for (const client of [plain, readOnly]) {
      await expect(client.client.send(new client.sdk.CreateChangeSetCommand(changeSet), client.callOptions)).rejects.toMatchObject({
        code: 'dry-run-guard',
        message: 'dry-run: refused cloudformation:CreateChangeSet, which is not a read; a dry-run only reads from AWS',
      });
    }
    const refusedWrites = [
      previewer.client.send(new previewer.sdk.ExecuteChangeSetCommand({ ChangeSetName: 'guarded', StackName: 'previewed-compute' }), previewer.callOptions),
      previewer.client.send(new previewer.sdk.UpdateStackCommand({ StackName: 'previewed-compute', UsePreviousTemplate: true }), previewer.callOptions),
      previewer.client.send(new previewer.sdk.DeleteStackCommand({ StackName: 'previewed-compute' }), previewer.callOptions),
    ];
    for (const refusal of refusedWrites) {
      await expect(refusal).rejects.toMatchObject({
        code: 'dry-run-guard',
        message: expect.stringMatching(/^dry-run: refused cloudformation:\w+, which is not a read; a dry-run only reads from AWS and CreateChangeSet, DescribeChangeSet, DeleteChangeSet$/),
      });
    }
    const created = await previewer.client.send(new previewer.sdk.CreateChangeSetCommand(changeSet), previewer.callOptions);
    await previewer.client.send(new previewer.sdk.DescribeChangeSetCommand({ ChangeSetName: created.Id! }), previewer.callOptions);
    await previewer.client.send(new previewer.sdk.DeleteChangeSetCommand({ ChangeSetName: created.Id! }), previewer.callOptions);

    expect((await writeCallsSince(moto.url, mark)).map((call) => [call.operation, call.dryRun])).toEqual([
      ['CreateChangeSet', true],
      ['DeleteChangeSet', true],
    ]);
  });

  it('plans a stack update with aws.changeSets false with reads only, resolving the exact UpdateStack request', async () => {
    await seedDatomicSystem(moto.url, { system: 'planned' });
    const templateUrl = datomicTemplateUrl('production-compute', '781-9041');
    const mark = await recordingMark(moto.url);

    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true, settings: { aws: { changeSets: false } } }), {
      stackName: 'planned-compute',
      templateUrl,
      usePreviousParameters: true,
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      waitFor: 'UPDATE_COMPLETE',
    });

    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    if (typeof plan === 'string') throw new Error(`expected a plan with details, got ${plan}`);
    expect(plan.summary).toContain('update stack planned-compute in us-east-1 from https://s3.amazonaws.com/datomic-cloud-1/');
    expect(plan.summary).toContain('keeping SystemName, InstanceType, KeyName, ApplicationName, EnvironmentMap, DesiredCapacity, MinSize, MaxSize');
    expect(plan.changes).toBeUndefined();
    expect(plan.details).toContain('\nno change set asked for (--no-change-sets)');
    expect(JSON.parse(plan.details!.slice(0, plan.details!.indexOf('\n}') + 2))).toEqual({
      StackName: 'planned-compute',
      TemplateURL: templateUrl,
      Parameters: ['SystemName', 'InstanceType', 'KeyName', 'ApplicationName', 'EnvironmentMap', 'DesiredCapacity', 'MinSize', 'MaxSize'].map((key) => ({
        ParameterKey: key,
        UsePreviousValue: true,
      })),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
  });
});
