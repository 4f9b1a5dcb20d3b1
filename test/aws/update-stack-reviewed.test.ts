/**
 * aws.cloudformation.update-stack in a reviewed plan, against moto: `plan --out` keeps the
 * change set it showed (ctx.keepPlan), `apply` executes exactly that one (ctx.reviewed), and
 * the step's basis tells a plan made stale by another update of the stack.
 */
import {
  CloudFormationClient,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListChangeSetsCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { beforeAll, expect, it } from 'vitest';
import type { JsonObject } from '../../engine/json.js';
import type { Plan } from '../../engine/step-definition.js';
import updateStack, { type UpdateStackInput } from '../../steps/aws/cloudformation-update-stack.js';
import { recordingMark, recordedCalls, writeCallsSince, type RecordingMark } from '../support/moto.js';
import { describeMoto, useMoto } from '../support/moto-env.js';
import { datomicTemplateUrl, seedDatomicSystem, uploadDatomicTemplates } from '../support/seed-datomic.js';
import { fakeStepContext } from '../support/step-context.js';

const moto = useMoto();
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const PRODUCTION = datomicTemplateUrl('production-compute', '781-9041');
let cloudformation: CloudFormationClient;

/** The conversion's update, as convert-solo-to-production writes it, with the wait. */
function conversion(system: string): UpdateStackInput {
  return {
    stackName: `${system}-compute`,
    templateUrl: PRODUCTION,
    usePreviousParameters: true,
    capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    waitFor: 'UPDATE_COMPLETE',
    pollInterval: '100ms',
  };
}

async function planToKeep(input: UpdateStackInput, settings: Record<string, JsonObject> = {}): Promise<{ summary: string; details?: string; kept: JsonObject }> {
  const plan: Plan = await updateStack.plan!(fakeStepContext({ dryRun: true, keepPlan: true, settings }), input);
  if (typeof plan === 'string' || !plan.kept) throw new Error(`expected a plan that keeps what apply carries out, got ${JSON.stringify(plan)}`);
  return { ...plan, kept: plan.kept };
}

async function stackOf(name: string) {
  return (await cloudformation.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
}

async function changeSetsOf(stackName: string) {
  return (await cloudformation.send(new ListChangeSetsCommand({ StackName: stackName }))).Summaries ?? [];
}

async function operationsSince(mark: RecordingMark): Promise<string[]> {
  return (await recordedCalls(moto.url)).slice(mark.count).map((call) => call.operation);
}

describeMoto('update-stack carries out a reviewed plan', () => {
  beforeAll(async () => {
    await uploadDatomicTemplates(moto.url, '781-9041');
    cloudformation = new CloudFormationClient({ endpoint: moto.url, region: moto.region, credentials: CREDENTIALS });
  });

  it('keeps the change set it showed when the plan is kept, and says so; a plan not kept deletes its own', async () => {
    await seedDatomicSystem(moto.url, { system: 'kept', topology: 'solo' });
    const mark = await recordingMark(moto.url);
    const plan = await planToKeep(conversion('kept'));

    const stackId = (await stackOf('kept-compute')).StackId!;
    expect(plan.kept).toEqual({ kind: 'change-set', stackId, changeSetId: expect.stringMatching(/^arn:aws:cloudformation:us-east-1:\d+:changeSet\/stepwise-apply-[0-9a-f]{12}\/.+/) });
    expect(plan.details).toContain(`CloudFormation's change set (kept for apply to execute: ${plan.kept.changeSetId as string}):\nModify NodeLaunchTemplate`);
    const [kept, ...others] = await changeSetsOf('kept-compute');
    expect(others).toEqual([]);
    expect(kept).toMatchObject({ ChangeSetId: plan.kept.changeSetId, Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    expect((await writeCallsSince(moto.url, mark)).map((call) => [call.operation, call.dryRun])).toEqual([['CreateChangeSet', true]]);

    const previewed = await updateStack.plan!(fakeStepContext({ dryRun: true }), conversion('kept'));
    expect(previewed).not.toHaveProperty('kept');
    expect((await changeSetsOf('kept-compute')).map((summary) => summary.ChangeSetId)).toEqual([plan.kept.changeSetId]);
  });

  it('executes the reviewed change set, never UpdateStack, and the stack becomes Production; run again, it waits and executes nothing', async () => {
    await seedDatomicSystem(moto.url, { system: 'applied', topology: 'solo' });
    const { kept } = await planToKeep(conversion('applied'));
    const mark = await recordingMark(moto.url);
    const result = (await updateStack.run(fakeStepContext({ reviewed: kept }), conversion('applied'))) as JsonObject;

    expect(result).toMatchObject({ StackId: kept.stackId, Updated: true, ChangeSetId: kept.changeSetId, Stack: { StackStatus: 'UPDATE_COMPLETE' } });
    const operations = await operationsSince(mark);
    expect(operations).toContain('ExecuteChangeSet');
    expect(operations).not.toContain('UpdateStack');
    expect((await writeCallsSince(moto.url, mark)).map((call) => call.operation)).toEqual(['ExecuteChangeSet']);
    const converted = await stackOf('applied-compute');
    // rebuilt by moto only thanks to test/support/moto-fixes; CloudFormation does it itself
    expect(converted.Outputs?.map((output) => output.OutputKey)).toContain('DatomicProductionCompute');
    const changeSet = await cloudformation.send(new DescribeChangeSetCommand({ ChangeSetName: kept.changeSetId as string }));
    expect(changeSet.ExecutionStatus).toBe('EXECUTE_COMPLETE');

    // a resume of an apply interrupted once CloudFormation had the change set
    const again = await recordingMark(moto.url);
    const resumed = fakeStepContext({ reviewed: kept });
    expect(await updateStack.run(resumed, conversion('applied'))).toMatchObject({ Updated: true, ChangeSetId: kept.changeSetId, Stack: { StackStatus: 'UPDATE_COMPLETE' } });
    expect(resumed.logs).toContain(`The reviewed change set ${kept.changeSetId as string} was executed already: it is not executed again.`);
    expect(await writeCallsSince(moto.url, again)).toEqual([]);
  });

  it('fails, saying to make a new plan, when the reviewed change set is gone, and sends no update', async () => {
    await seedDatomicSystem(moto.url, { system: 'gone', topology: 'solo' });
    const { kept } = await planToKeep(conversion('gone'));
    await cloudformation.send(new DeleteChangeSetCommand({ ChangeSetName: kept.changeSetId as string }));
    const mark = await recordingMark(moto.url);

    await expect(updateStack.run(fakeStepContext({ reviewed: kept }), conversion('gone'))).rejects.toMatchObject({
      code: 'reviewed-plan-unusable',
      message: `the reviewed change set ${kept.changeSetId as string} of stack gone-compute is gone: CloudFormation no longer has it (deleted, or dropped when the stack was updated otherwise). Make a new plan (stepwise plan --out), review it, and apply that: apply never sends another update than the one reviewed`,
    });
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    expect((await stackOf('gone-compute')).StackStatus).toBe('CREATE_COMPLETE');
  });

  it('takes the stack as the plan saw it, reading only in a dry-run, and tells each way another update changed it', async () => {
    await seedDatomicSystem(moto.url, { system: 'moved', topology: 'solo' });
    const input = conversion('moved');
    const dryRun = fakeStepContext({ dryRun: true });
    const mark = await recordingMark(moto.url);
    const recorded = await updateStack.basis!.take(dryRun, input);
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    expect(recorded).toMatchObject({ status: 'CREATE_COMPLETE', parameters: { InstanceType: 't2.small', SystemName: 'moved' }, templateSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(updateStack.basis!.differences!(recorded, await updateStack.basis!.take(dryRun, input), input)).toEqual([]);

    const parameters = ['SystemName', 'KeyName', 'ApplicationName', 'EnvironmentMap', 'DesiredCapacity', 'MinSize', 'MaxSize'].map((key) => ({ ParameterKey: key, UsePreviousValue: true }));
    await cloudformation.send(
      new UpdateStackCommand({
        StackName: 'moved-compute',
        TemplateURL: PRODUCTION,
        Parameters: [...parameters, { ParameterKey: 'InstanceType', ParameterValue: 'i3.large' }],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      }),
    );
    const now = await updateStack.basis!.take(dryRun, input);
    expect(updateStack.basis!.differences!(recorded, now, input)).toEqual([
      'stack moved-compute: status UPDATE_COMPLETE, was CREATE_COMPLETE',
      'stack moved-compute: parameter InstanceType: i3.large, was t2.small',
      'stack moved-compute: the template changed',
      expect.stringMatching(/^stack moved-compute: new events since the plan, the latest moved-compute UPDATE_COMPLETE at \d{4}-\d\d-\d\dT[\d:.]+Z$/),
    ]);
    expect(updateStack.basis!.differences!({ status: 'CREATE_COMPLETE' }, now, input)).toEqual(["stack moved-compute: the plan's record of it is not one this version of stepwise reads"]);
  });

  it("takes the kept change set's status with the stack, and tells one executed or deleted since the plan", async () => {
    await seedDatomicSystem(moto.url, { system: 'settled', topology: 'solo' });
    await seedDatomicSystem(moto.url, { system: 'dropped', topology: 'solo' });
    const basisOf = (system: string, kept: JsonObject) => updateStack.basis!.take(fakeStepContext({ dryRun: true, reviewed: kept }), conversion(system));
    const planned = async (system: string) => (await planToKeep(conversion(system))).kept;

    const executed = await planned('settled');
    const before = await basisOf('settled', executed);
    expect(before).toMatchObject({ changeSet: { id: executed.changeSetId, status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE' } });
    await cloudformation.send(new ExecuteChangeSetCommand({ ChangeSetName: executed.changeSetId as string }));
    expect(updateStack.basis!.differences!(before, await basisOf('settled', executed), conversion('settled'))).toContain(
      `stack settled-compute: the reviewed change set ${executed.changeSetId as string} is now CREATE_COMPLETE, execution status EXECUTE_COMPLETE; it was CREATE_COMPLETE, AVAILABLE`,
    );

    const deleted = await planned('dropped');
    const kept = await basisOf('dropped', deleted);
    await cloudformation.send(new DeleteChangeSetCommand({ ChangeSetName: deleted.changeSetId as string }));
    expect(updateStack.basis!.differences!(kept, await basisOf('dropped', deleted), conversion('dropped'))).toEqual([
      `stack dropped-compute: the reviewed change set ${deleted.changeSetId as string} is gone: CloudFormation no longer has it (deleted, or dropped when the stack was updated otherwise)`,
    ]);
  });

  it('with --no-change-sets, keeps the exact request, sends it in apply, and refuses a request that is no longer the one reviewed', async () => {
    await seedDatomicSystem(moto.url, { system: 'strict', topology: 'solo' });
    const noChangeSets = { aws: { changeSets: false } };
    const mark = await recordingMark(moto.url);
    const plan = await planToKeep(conversion('strict'), noChangeSets);
    expect(await writeCallsSince(moto.url, mark)).toEqual([]);
    expect(plan.kept).toMatchObject({ kind: 'update-stack', request: { StackName: 'strict-compute', TemplateURL: PRODUCTION, Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] } });
    expect(plan.details).toContain('no change set (--no-change-sets): apply sends this UpdateStack request, and refuses if the update would now send another');

    const other = { ...plan.kept, request: { ...(plan.kept.request as JsonObject), Capabilities: ['CAPABILITY_IAM'] } };
    const refused = await recordingMark(moto.url);
    await expect(updateStack.run(fakeStepContext({ reviewed: other }), conversion('strict'))).rejects.toMatchObject({
      code: 'reviewed-plan-unusable',
      message: expect.stringContaining('the update of stack strict-compute would now send {"StackName":"strict-compute"'),
    });
    expect(await writeCallsSince(moto.url, refused)).toEqual([]);

    const applied = await recordingMark(moto.url);
    expect(await updateStack.run(fakeStepContext({ reviewed: plan.kept }), conversion('strict'))).toMatchObject({ Updated: true, Stack: { StackStatus: 'UPDATE_COMPLETE' } });
    expect((await writeCallsSince(moto.url, applied)).map((call) => call.operation)).toEqual(['UpdateStack']);
  });
});
