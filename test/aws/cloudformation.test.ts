import { CloudFormationClient, CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { beforeAll, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../engine/json.js';
import describeStackEvents from '../../steps/aws/cloudformation-describe-stack-events.js';
import describeStacks from '../../steps/aws/cloudformation-describe-stacks.js';
import listStacks from '../../steps/aws/cloudformation-list-stacks.js';
import updateStack from '../../steps/aws/cloudformation-update-stack.js';
import wait from '../../steps/aws/cloudformation-wait.js';
import describeInstances from '../../steps/aws/ec2-describe-instances.js';
import { recordedCalls, recordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { datomicTemplateUrl, seedDatomicSystem } from '../support/seed-datomic.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto();
const FILLER_STACKS = 55; // moto's DescribeStacks pages hold 50
const EMPTY_TEMPLATE = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });

type StackJson = { StackName: string; StackStatus: string; Outputs?: Array<{ OutputKey: string; OutputValue: string }>; Parameters?: JsonObject[] };

function stacksOf(result: JsonValue): StackJson[] {
  return (result as { Stacks: StackJson[] }).Stacks;
}

function outputKeys(stack: StackJson): string[] {
  return (stack.Outputs ?? []).map((output) => output.OutputKey);
}

/** The how-to's node query, in the AWS CLI's own filter syntax. */
async function runningNodes(system: string): Promise<Array<{ InstanceType: string; State: { Name: string } }>> {
  const result = (await describeInstances.run(fakeStepContext(), {
    filters: ['Name=tag-key,Values=datomic:tx-group', `Name=tag:datomic:system,Values=${system}`, 'Name=instance-state-name,Values=running'],
  })) as { Reservations: Array<{ Instances: Array<{ InstanceType: string; State: { Name: string } }> }> };
  return result.Reservations.flatMap((reservation) => reservation.Instances);
}

describeMoto('the CloudFormation step types against moto', () => {
  beforeAll(async () => {
    await seedDatomicSystem(moto.url, { system: 'orders', topology: 'solo' });
    const cloudformation = new CloudFormationClient({ endpoint: moto.url, region: moto.region });
    const names = Array.from({ length: FILLER_STACKS }, (_, index) => `filler-${String(index).padStart(2, '0')}`);
    await Promise.all(names.map((StackName) => cloudformation.send(new CreateStackCommand({ StackName, TemplateBody: EMPTY_TEMPLATE }))));
    await cloudformation.send(new DeleteStackCommand({ StackName: 'filler-00' }));
  });

  it('describes one stack as plain JSON: ISO dates, no $metadata', async () => {
    const result = await describeStacks.run(fakeStepContext(), { stackName: 'orders-compute' });
    const [stack] = stacksOf(result);
    expect(stack).toMatchObject({ StackName: 'orders-compute', StackStatus: 'CREATE_COMPLETE' });
    expect(outputKeys(stack!)).toEqual(expect.arrayContaining(['DatomicCFTVersion', 'DatomicCloudVersion', 'SystemName']));
    expect((stack as unknown as { CreationTime: string }).CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(JSON.stringify(result)).not.toContain('$metadata');
  });

  it('describes every stack of the region, following the pages', async () => {
    const mark = await recordingMark(moto.url);
    const stacks = stacksOf(await describeStacks.run(fakeStepContext(), {}));
    const names = stacks.map((stack) => stack.StackName);
    expect(names).toEqual(expect.arrayContaining(['orders', 'orders-compute', 'filler-01', 'filler-54']));
    expect(names).not.toContain('filler-00');
    expect(names).toHaveLength(FILLER_STACKS - 1 + 2);
    const calls = (await recordedCalls(moto.url)).slice(mark.count).filter((call) => call.operation === 'DescribeStacks');
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });

  it('names the stack and the region when the stack does not exist', async () => {
    await expect(describeStacks.run(fakeStepContext({ settings: { aws: { region: 'eu-west-1' } } }), { stackName: 'orders-compute' })).rejects.toMatchObject({
      code: 'aws-stack-not-found',
      retryable: false,
      message: expect.stringMatching(/^stack "orders-compute" does not exist in eu-west-1: check the stack name and the region/),
    });
  });

  it('lists stacks, deleted ones too, or only those in the statuses asked for', async () => {
    type Summaries = { StackSummaries: Array<{ StackName: string; StackStatus: string }> };
    const all = (await listStacks.run(fakeStepContext(), {})) as Summaries;
    expect(all.StackSummaries.map((summary) => summary.StackStatus)).toEqual(expect.arrayContaining(['CREATE_COMPLETE', 'DELETE_COMPLETE']));
    const deleted = (await listStacks.run(fakeStepContext(), { statusFilter: ['DELETE_COMPLETE'] })) as Summaries;
    expect(deleted.StackSummaries.map((summary) => summary.StackName)).toEqual(['filler-00']);
  });

  it("lists a stack's events, newest first, up to the limit", async () => {
    type Events = { StackEvents: Array<{ StackName: string; ResourceStatus: string; Timestamp: string }> };
    const all = (await describeStackEvents.run(fakeStepContext(), { stackName: 'orders-compute' })) as Events;
    expect(all.StackEvents.map((event) => event.ResourceStatus)).toEqual(['CREATE_COMPLETE', 'CREATE_IN_PROGRESS']);
    const newest = (await describeStackEvents.run(fakeStepContext(), { stackName: 'orders-compute', limit: 1 })) as Events;
    expect(newest.StackEvents).toEqual([all.StackEvents[0]]);
  });

  it('converts the Solo compute stack to Production from a template URL, keeping its parameters, and waits for UPDATE_COMPLETE', async () => {
    expect((await runningNodes('orders')).map((node) => node.InstanceType)).toEqual(['t2.small']);
    const before = stacksOf(await describeStacks.run(fakeStepContext(), { stackName: 'orders-compute' }))[0]!;
    const context = fakeStepContext();

    const result = (await updateStack.run(context, {
      stackName: 'orders-compute',
      templateUrl: datomicTemplateUrl('production-compute', '781-9041'),
      usePreviousParameters: true,
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      waitFor: 'UPDATE_COMPLETE',
      pollInterval: '100ms',
    })) as { Updated: boolean; StackId: string; Stack: StackJson };

    expect(result.Updated).toBe(true);
    expect(result.StackId).toMatch(/^arn:aws:cloudformation:us-east-1:\d+:stack\/orders-compute\//);
    expect(result.Stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputKeys(result.Stack)).toContain('DatomicProductionCompute');
    expect(result.Stack.Parameters).toEqual(before.Parameters);
    expect(context.logs[0]).toMatch(/^update stack orders-compute in us-east-1 from https:.*production-compute.*; keeping SystemName, .*MaxSize; acknowledging CAPABILITY_IAM, CAPABILITY_NAMED_IAM, then wait for UPDATE_COMPLETE$/);
    expect(context.progressMessages).toContain('orders-compute (AWS::CloudFormation::Stack) UPDATE_COMPLETE');
    expect((await runningNodes('orders')).map((node) => node.InstanceType)).toEqual(['i3.large', 'i3.large']);
  });

  it('reports clearly when there is nothing to update', async () => {
    const context = fakeStepContext();
    const result = (await updateStack.run(context, {
      stackName: 'orders-compute',
      templateUrl: datomicTemplateUrl('production-compute', '781-9041'),
      usePreviousParameters: true,
      waitFor: 'UPDATE_COMPLETE',
    })) as { Updated: boolean; Stack: StackJson };
    expect(result.Updated).toBe(false);
    expect(result.Stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(context.logs).toContain('No updates are to be performed: stack orders-compute already runs this template with these parameters.');
  });

  it('changes one parameter with the current template, keeping the others', async () => {
    const result = (await updateStack.run(fakeStepContext(), {
      stackName: 'orders-compute',
      usePreviousTemplate: true,
      usePreviousParameters: true,
      parameters: { EnvironmentMap: '{:env :prod}' },
      waitFor: 'UPDATE_COMPLETE',
      pollInterval: '100ms',
    })) as { Stack: StackJson };
    const parameters = Object.fromEntries((result.Stack.Parameters ?? []).map((parameter) => [parameter.ParameterKey, parameter.ParameterValue]));
    expect(parameters).toMatchObject({ EnvironmentMap: '{:env :prod}', SystemName: 'orders', InstanceType: 't2.small', ApplicationName: 'orders' });
  });

  it('refuses a parameter the new template does not declare, naming it and the declared ones', async () => {
    await expect(
      updateStack.run(fakeStepContext(), {
        stackName: 'orders-compute',
        templateUrl: datomicTemplateUrl('production-compute', '781-9041'),
        parameters: { InstanceTyp: 'i3.xlarge' },
      }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/^parameters InstanceTyp is not declared by the template of https:.*; it declares SystemName, InstanceType, /),
    });
  });

  it('waits for a status the stack already has, and fails at once when it settled elsewhere', async () => {
    const reached = await wait.run(fakeStepContext(), { stackName: 'orders', status: ['CREATE_COMPLETE', 'UPDATE_COMPLETE'], pollInterval: '100ms' });
    expect(stacksOf(reached)[0]).toMatchObject({ StackName: 'orders', StackStatus: 'CREATE_COMPLETE' });
    await expect(wait.run(fakeStepContext(), { stackName: 'orders', status: 'DELETE_COMPLETE', pollInterval: '100ms' })).rejects.toMatchObject({
      code: 'aws-stack-failed',
      message: expect.stringMatching(/^stack orders in us-east-1 is CREATE_COMPLETE, not DELETE_COMPLETE/),
    });
  });

  it('does not wait in a dry-run, where the change it waits for is only planned', async () => {
    const context = fakeStepContext({ dryRun: true });
    const reported = await wait.run(context, { stackName: 'orders', status: 'UPDATE_COMPLETE' });
    expect(stacksOf(reported)[0]).toMatchObject({ StackName: 'orders', StackStatus: 'CREATE_COMPLETE' });
    expect(context.logs).toEqual(['dry-run: would wait for stack orders (now CREATE_COMPLETE) to be UPDATE_COMPLETE']);
  });
});
