import type { Stack, StackEvent } from '@aws-sdk/client-cloudformation';
import { setTimeout as delay } from 'node:timers/promises';
import type { StepContext } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import type { AwsClientHandle } from './client.js';
import { isInProgress, isRollbackOrFailure } from './stack-status.js';

type CloudFormation = AwsClientHandle<'cloudformation'>;

/** Far enough back to find where a large stack's update began, without reading years of history. */
const MAX_EVENT_PAGES = 10;

export async function describeStack(cloudformation: CloudFormation, stackName: string): Promise<Stack> {
  const { sdk, client, callOptions } = cloudformation;
  const { Stacks } = await client.send(new sdk.DescribeStacksCommand({ StackName: stackName }), callOptions);
  const stack = Stacks?.[0];
  if (!stack) throw new StepFailure(`stack ${JSON.stringify(stackName)} was not found`, { code: 'aws-stack-not-found', retryable: false });
  return stack;
}

/** The id of the stack's newest event: events after it belong to what happens next. */
export async function newestEventId(cloudformation: CloudFormation, stackName: string): Promise<string | undefined> {
  const { sdk, client, callOptions } = cloudformation;
  const { StackEvents } = await client.send(new sdk.DescribeStackEventsCommand({ StackName: stackName }), callOptions);
  return StackEvents?.[0]?.EventId;
}

export interface WaitOptions {
  /** The stack's id (ARN): unlike its name, it still finds the stack once deleted. */
  stackId: string;
  stackName: string;
  targets: readonly string[];
  pollIntervalMs: number;
  /** Events up to this one happened before; later ones are shown as progress. */
  afterEventId: string | undefined;
}

/**
 * Polls until the stack reaches one of `targets`, showing each new stack event as progress.
 * Fails as soon as the stack settles elsewhere or starts rolling back (when no target is a
 * rollback), naming the resources that failed and why. Stops when the step's signal fires.
 */
export async function waitForStackStatus(ctx: StepContext, cloudformation: CloudFormation, options: WaitOptions): Promise<Stack> {
  const events = new EventReporter(cloudformation, options.stackId, options.afterEventId);
  const rollbackIsTarget = options.targets.some(isRollbackOrFailure);
  let status = 'not yet described';
  try {
    for (;;) {
      const stack = await describeStack(cloudformation, options.stackId);
      status = stack.StackStatus ?? 'UNKNOWN';
      await events.reportNew(ctx);
      if (options.targets.includes(status)) return stack;
      if (!isInProgress(status) || (isRollbackOrFailure(status) && !rollbackIsTarget)) {
        throw await stackFailure(cloudformation, stack, options);
      }
      ctx.progress(`${options.stackName}: ${status}, waiting for ${options.targets.join(' or ')}`);
      await delay(options.pollIntervalMs, undefined, { signal: ctx.signal });
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error;
    ctx.log(`stopped waiting for ${options.stackName}: it was ${status}`);
    // the signal's reason says why (timeout, Ctrl-C); the timer's or the request's AbortError does not
    throw ctx.signal.reason;
  }
}

class EventReporter {
  private newestSeen: string | undefined;

  constructor(
    private readonly cloudformation: CloudFormation,
    private readonly stackId: string,
    afterEventId: string | undefined,
  ) {
    this.newestSeen = afterEventId;
  }

  async reportNew(ctx: StepContext): Promise<void> {
    const fresh: StackEvent[] = [];
    let pages = 0;
    const { sdk, client, callOptions } = this.cloudformation;
    pages: for await (const page of sdk.paginateDescribeStackEvents({ client }, { StackName: this.stackId }, callOptions)) {
      for (const event of page.StackEvents ?? []) {
        if (event.EventId === this.newestSeen) break pages;
        fresh.push(event);
      }
      // without a known newest event, the first page is enough to show where things stand
      if (this.newestSeen === undefined || ++pages >= MAX_EVENT_PAGES) break;
    }
    if (fresh.length > 0) this.newestSeen = fresh[0]!.EventId;
    for (const event of fresh.reverse()) ctx.progress(describeEvent(event));
  }
}

function describeEvent(event: StackEvent): string {
  const reason = event.ResourceStatusReason ? `: ${event.ResourceStatusReason}` : '';
  return `${event.LogicalResourceId ?? '?'} (${event.ResourceType ?? '?'}) ${event.ResourceStatus ?? '?'}${reason}`;
}

async function stackFailure(cloudformation: CloudFormation, stack: Stack, options: WaitOptions): Promise<StepFailure> {
  const status = stack.StackStatus ?? 'UNKNOWN';
  const failures = await operationFailures(cloudformation, options.stackId);
  const region = cloudformation.region ?? (await cloudformation.client.config.region());
  const reasons = failures.length > 0 ? failures.map(describeEvent) : stack.StackStatusReason ? [stack.StackStatusReason] : [];
  const next = isInProgress(status) ? ` It is still ${status}: wait for it to settle before trying again.` : '';
  return new StepFailure(
    `stack ${options.stackName} in ${region} is ${status}, not ${options.targets.join(' or ')}${reasons.length > 0 ? `. ${reasons.join('; ')}` : ''}.${next}`,
    { code: 'aws-stack-failed', retryable: false, details: reasons.join('\n') || undefined },
  );
}

/**
 * The failed resources of the stack's latest operation: events back to the stack's own
 * "User Initiated" event. Cancellations caused by another resource's failure come last.
 */
async function operationFailures(cloudformation: CloudFormation, stackId: string): Promise<StackEvent[]> {
  const { sdk, client, callOptions } = cloudformation;
  const failed: StackEvent[] = [];
  let pages = 0;
  pages: for await (const page of sdk.paginateDescribeStackEvents({ client }, { StackName: stackId }, callOptions)) {
    for (const event of page.StackEvents ?? []) {
      const isStack = event.ResourceType === 'AWS::CloudFormation::Stack';
      if (isStack && event.ResourceStatusReason === 'User Initiated') break pages;
      if (!isStack && event.ResourceStatus?.endsWith('_FAILED') && event.ResourceStatusReason) failed.push(event);
    }
    if (++pages >= MAX_EVENT_PAGES) break;
  }
  const cancelled = (event: StackEvent) => /cancel/i.test(event.ResourceStatusReason ?? '');
  const oldestFirst = failed.reverse();
  return [...oldestFirst.filter((event) => !cancelled(event)), ...oldestFirst.filter(cancelled)];
}
