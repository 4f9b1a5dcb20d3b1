/**
 * aws.cloudformation.update-stack on a stack that already has an update under way (a resume
 * after a crash while CloudFormation works): it must never send a second UpdateStack. moto
 * finishes every update before answering, so these talk to a scripted CloudFormation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import updateStack from '../../steps/aws/cloudformation-update-stack.js';
import { describeStackEventsResult, describeStacksResult, queryResult, startFakeAws, type FakeAws, type FakeStack } from '../support/fake-aws.js';
import { useAwsEnvironment } from '../support/moto-env.js';
import { fakeStepContext } from '../support/step-context.js';

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
useAwsEnvironment({ endpoint: () => fake.url });
afterAll(() => fake.close());

const stack: FakeStack = { name: 'billing-compute', id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/billing-compute/5b1d', status: 'UPDATE_COMPLETE' };
const userInitiated = { id: 'e1', logicalId: stack.name, type: 'AWS::CloudFormation::Stack', status: 'UPDATE_IN_PROGRESS', reason: 'User Initiated' };
const INPUT = { stackName: stack.name, templateUrl: 'https://s3.amazonaws.com/templates/production.json', capabilities: ['CAPABILITY_IAM' as const] };

/**
 * DescribeStacks answers each status of `statuses` in turn, the last one from then on; nothing
 * else is answered but events, and the change set of `changeSet`, with its execution status.
 */
function stackGoesThrough(...statuses: string[]): void {
  stackWithChangeSet(undefined, ...statuses);
}

function stackWithChangeSet(changeSet: { id: string; execution: string } | undefined, ...statuses: string[]): void {
  let poll = 0;
  fake.handle = (request) => {
    if (request.action === 'DescribeStacks') return describeStacksResult({ ...stack, status: statuses[Math.min(poll++, statuses.length - 1)]! });
    if (request.action === 'DescribeStackEvents') return describeStackEventsResult(stack, [userInitiated]);
    if (request.action === 'DescribeChangeSet' && changeSet && request.params.get('ChangeSetName') === changeSet.id) {
      return queryResult('DescribeChangeSet', `<ChangeSetId>${changeSet.id}</ChangeSetId><StackId>${stack.id}</StackId><Status>CREATE_COMPLETE</Status><ExecutionStatus>${changeSet.execution}</ExecutionStatus><Changes></Changes>`);
    }
    throw new Error(`the step sent ${request.action}, though the stack was being updated`);
  };
}

const actions = () => fake.requests.map((request) => request.action);

describe('update-stack when an update is already in progress', () => {
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it.each(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'])(
    'check() finds the change under way when the stack is %s, and says why nothing is sent',
    async (status) => {
      stackGoesThrough(status);
      const context = fakeStepContext();
      expect(await updateStack.check!(context, INPUT)).toBe(true);
      expect(actions()).toEqual(['DescribeStacks']);
      expect(context.logs).toEqual([`stack billing-compute is already ${status}: an update is under way (the one an interrupted run sent, or another), so no second UpdateStack is sent`]);
    },
  );

  it.each(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'CREATE_IN_PROGRESS'])('check() leaves the update to run() when the stack is %s', async (status) => {
    stackGoesThrough(status);
    expect(await updateStack.check!(fakeStepContext(), INPUT)).toBe(false);
  });

  it('with waitFor, check() leaves it to run(), which waits for the update under way instead of sending one', async () => {
    stackGoesThrough('UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE');
    const input = { ...INPUT, waitFor: 'UPDATE_COMPLETE' as const, pollInterval: '10ms' };
    expect(await updateStack.check!(fakeStepContext(), input)).toBe(false);
    const context = fakeStepContext();
    const result = await updateStack.run(context, input);
    expect(result).toMatchObject({ StackId: stack.id, Updated: true, Stack: { StackStatus: 'UPDATE_COMPLETE' } });
    expect(actions()).not.toContain('UpdateStack');
    expect(actions()).not.toContain('GetTemplateSummary');
    expect(context.logs[0]).toContain('is already UPDATE_IN_PROGRESS');
    expect(context.progressMessages).toContain('billing-compute: UPDATE_IN_PROGRESS, waiting for UPDATE_COMPLETE');
  });

  it('plans to wait, not to update, when the stack is being updated', async () => {
    stackGoesThrough('UPDATE_IN_PROGRESS');
    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true }), { ...INPUT, waitFor: 'UPDATE_COMPLETE' });
    expect(plan).toBe(
      'stack billing-compute is already UPDATE_IN_PROGRESS: an update is under way (the one an interrupted run sent, or another), so no second UpdateStack is sent; would wait for UPDATE_COMPLETE',
    );
    expect(actions()).toEqual(['DescribeStacks']);
  });

  const changeSetId = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/stepwise-apply-0a1b2c3d4e5f/77aa';

  it('in an apply resumed after the reviewed change set was executed, waits for that update, executes nothing and names the change set', async () => {
    stackWithChangeSet({ id: changeSetId, execution: 'EXECUTE_IN_PROGRESS' }, 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE');
    const input = { ...INPUT, waitFor: 'UPDATE_COMPLETE' as const, pollInterval: '10ms' };
    const result = await updateStack.run(fakeStepContext({ reviewed: { kind: 'change-set', stackId: stack.id, changeSetId } }), input);
    expect(result).toMatchObject({ StackId: stack.id, Updated: true, ChangeSetId: changeSetId, Stack: { StackStatus: 'UPDATE_COMPLETE' } });
    expect(actions()).not.toContain('ExecuteChangeSet');
  });

  it('in an apply, refuses an update under way that is not the reviewed change set\'s, rather than wait for it as if it were', async () => {
    stackWithChangeSet({ id: changeSetId, execution: 'AVAILABLE' }, 'UPDATE_IN_PROGRESS');
    const input = { ...INPUT, waitFor: 'UPDATE_COMPLETE' as const, pollInterval: '10ms' };
    await expect(updateStack.run(fakeStepContext({ reviewed: { kind: 'change-set', stackId: stack.id, changeSetId } }), input)).rejects.toMatchObject({
      code: 'reviewed-plan-unusable',
      message: expect.stringMatching(new RegExp(`^stack billing-compute is being updated, but not by the reviewed change set ${changeSetId} \\(its execution status is AVAILABLE\\)\\. Make a new plan`)),
    });
    expect(actions()).toEqual(['DescribeStacks', 'DescribeChangeSet']);
  });

  it('kept for apply, the plan of an update under way records it; apply refuses once that update is over, rather than send one', async () => {
    stackGoesThrough('UPDATE_IN_PROGRESS');
    const plan = await updateStack.plan!(fakeStepContext({ dryRun: true, keepPlan: true }), INPUT);
    expect(plan).toEqual({ summary: expect.stringContaining('is already UPDATE_IN_PROGRESS'), kept: { kind: 'under-way', stackId: stack.id } });

    stackGoesThrough('UPDATE_COMPLETE');
    fake.requests.length = 0;
    await expect(updateStack.run(fakeStepContext({ reviewed: { kind: 'under-way', stackId: stack.id } }), INPUT)).rejects.toMatchObject({
      code: 'reviewed-plan-unusable',
      message: expect.stringMatching(/^the plan found an update of stack billing-compute under way, to wait for; the stack is UPDATE_COMPLETE now\. Make a new plan/),
    });
    expect(actions()).toEqual(['DescribeStacks']);
  });
});
