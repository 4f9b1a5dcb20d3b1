/**
 * Waiting on a stack that takes time, rolls back or is abandoned: moto finishes every update
 * before answering, so these talk to a scripted CloudFormation on a loopback port.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import updateStack from '../../steps/aws/cloudformation-update-stack.js';
import wait from '../../steps/aws/cloudformation-wait.js';
import {
  describeStackEventsResult,
  describeStacksResult,
  queryResult,
  startFakeAws,
  type FakeAws,
  type FakeStack,
  type FakeStackEvent,
} from '../support/fake-aws.js';
import { useAwsEnvironment } from '../support/moto-env.js';
import { fakeStepContext } from '../support/step-context.js';

let fake: FakeAws;
beforeAll(async () => {
  fake = await startFakeAws();
});
useAwsEnvironment({ endpoint: () => fake.url });
afterAll(() => fake.close());

const stack: FakeStack = { name: 'billing-compute', id: 'arn:aws:cloudformation:us-east-1:123456789012:stack/billing-compute/5b1d', status: 'UPDATE_COMPLETE' };

const stackEvent = (id: string, status: string, reason?: string): FakeStackEvent => ({
  id,
  logicalId: stack.name,
  type: 'AWS::CloudFormation::Stack',
  status,
  reason,
});
const resourceEvent = (id: string, logicalId: string, type: string, status: string, reason?: string): FakeStackEvent => ({ id, logicalId, type, status, reason });

/** Plays `timeline` one entry per DescribeStacks poll after UpdateStack, each with the events that happened by then (newest first). */
function scriptUpdate(history: FakeStackEvent[], timeline: Array<{ status: string; events: FakeStackEvent[] }>): void {
  let updated = false;
  let poll = -1;
  fake.handle = (request) => {
    const current = updated ? timeline[Math.min(poll, timeline.length - 1)]! : { status: stack.status, events: [] };
    switch (request.action) {
      case 'DescribeStacks':
        if (updated) poll += 1;
        return describeStacksResult({ ...stack, status: updated ? timeline[Math.min(poll, timeline.length - 1)]!.status : stack.status });
      case 'DescribeStackEvents':
        return describeStackEventsResult(stack, [...current.events, ...history]);
      case 'UpdateStack':
        updated = true;
        return queryResult('UpdateStack', `<StackId>${stack.id}</StackId>`);
      default:
        throw new Error(`unexpected ${request.action}`);
    }
  };
}

const history = [stackEvent('old-2', 'UPDATE_COMPLETE'), stackEvent('old-1', 'UPDATE_IN_PROGRESS', 'User Initiated')];
const started = stackEvent('e1', 'UPDATE_IN_PROGRESS', 'User Initiated');
const templateStarted = resourceEvent('e2', 'NodeLaunchTemplate', 'AWS::EC2::LaunchTemplate', 'UPDATE_IN_PROGRESS');
const groupFailed = resourceEvent('e3', 'TxAutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'UPDATE_FAILED', 'Received 0 SUCCESS signal(s) out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement');
const bastionCancelled = resourceEvent('e4', 'Bastion', 'AWS::EC2::Instance', 'UPDATE_FAILED', 'Resource update cancelled');
const rollingBack = stackEvent('e5', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [TxAutoScalingGroup]');

describe('waiting for a stack update', () => {
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('shows each new stack event as progress and fails on rollback with the failed resources and their reasons', async () => {
    scriptUpdate(history, [
      { status: 'UPDATE_IN_PROGRESS', events: [started] },
      { status: 'UPDATE_IN_PROGRESS', events: [templateStarted, started] },
      { status: 'UPDATE_ROLLBACK_IN_PROGRESS', events: [rollingBack, bastionCancelled, groupFailed, templateStarted, started] },
    ]);
    const context = fakeStepContext();

    const failure = await updateStack
      .run(context, { stackName: stack.name, templateUrl: 'https://s3.amazonaws.com/templates/production.json', waitFor: 'UPDATE_COMPLETE', pollInterval: '10ms' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(failure).toMatchObject({
      code: 'aws-stack-failed',
      retryable: false,
      message:
        'stack billing-compute in us-east-1 is UPDATE_ROLLBACK_IN_PROGRESS, not UPDATE_COMPLETE. ' +
        'TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement; ' +
        'Bastion (AWS::EC2::Instance) UPDATE_FAILED: Resource update cancelled. ' +
        'It is still UPDATE_ROLLBACK_IN_PROGRESS: wait for it to settle before trying again.',
    });
    const events = context.progressMessages.filter((message) => !message.includes('waiting for'));
    expect(events).toEqual([
      'billing-compute (AWS::CloudFormation::Stack) UPDATE_IN_PROGRESS: User Initiated',
      'NodeLaunchTemplate (AWS::EC2::LaunchTemplate) UPDATE_IN_PROGRESS',
      'TxAutoScalingGroup (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 2. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement',
      'Bastion (AWS::EC2::Instance) UPDATE_FAILED: Resource update cancelled',
      'billing-compute (AWS::CloudFormation::Stack) UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to update: [TxAutoScalingGroup]',
    ]);
    expect(context.progressMessages).toContain('billing-compute: UPDATE_IN_PROGRESS, waiting for UPDATE_COMPLETE');
    const update = fake.requests.find((request) => request.action === 'UpdateStack')!;
    expect(update.params.get('TemplateURL')).toBe('https://s3.amazonaws.com/templates/production.json');
  });

  it('returns the stack once it reaches the status, having polled while it was in progress', async () => {
    scriptUpdate(history, [
      { status: 'UPDATE_IN_PROGRESS', events: [started] },
      { status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', events: [templateStarted, started] },
      { status: 'UPDATE_COMPLETE', events: [stackEvent('e9', 'UPDATE_COMPLETE'), templateStarted, started] },
    ]);
    const context = fakeStepContext();
    const result = (await updateStack.run(context, {
      stackName: stack.name,
      usePreviousTemplate: true,
      waitFor: 'UPDATE_COMPLETE',
      pollInterval: '10ms',
    })) as { Updated: boolean; Stack: { StackStatus: string } };
    expect(result).toMatchObject({ Updated: true, Stack: { StackStatus: 'UPDATE_COMPLETE' } });
    expect(fake.requests.filter((request) => request.action === 'DescribeStacks').length).toBeGreaterThanOrEqual(4);
    expect(context.progressMessages.at(-1)).toBe('billing-compute (AWS::CloudFormation::Stack) UPDATE_COMPLETE');
  });

  it('stops waiting when the step is cancelled, with the reason of the signal', async () => {
    fake.handle = (request) =>
      request.action === 'DescribeStacks'
        ? describeStacksResult({ ...stack, status: 'UPDATE_IN_PROGRESS' })
        : describeStackEventsResult(stack, [started, ...history]);
    const controller = new AbortController();
    const context = fakeStepContext({ signal: controller.signal });
    const reason = new Error('timed out after 45m');
    const waiting = wait.run(context, { stackName: stack.name, status: 'UPDATE_COMPLETE', pollInterval: '20ms' });
    const watchdog = setInterval(() => {
      if (fake.requests.filter((request) => request.action === 'DescribeStacks').length >= 3) controller.abort(reason);
    }, 5);
    await expect(waiting).rejects.toBe(reason);
    clearInterval(watchdog);
    expect(context.logs).toContain('stopped waiting for billing-compute: it was UPDATE_IN_PROGRESS');
  });
});
