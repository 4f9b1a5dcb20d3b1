import { DURATION_PATTERN, parseDuration } from '../../engine/duration.js';
import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';
import { awsClient } from './client.js';
import { toPlainJson } from './plain-json.js';
import { STACK_STATUSES, type StackStatusName } from './stack-status.js';
import { describeStack, newestEventId, waitForStackStatus } from './stack-waiter.js';

export interface WaitInput {
  stackName: string;
  status: StackStatusName | StackStatusName[];
  pollInterval?: string;
}

export const DEFAULT_POLL_INTERVAL = '10s';

export default defineStep<WaitInput>({
  type: 'aws.cloudformation.wait',
  description:
    "Wait until a stack reaches a status, showing its new events as progress; fail with the failed resources' reasons if it settles elsewhere or rolls back. Bound it with the step's `timeout`. In a dry-run it does not wait: it reports the stack as it is. Result: `{ Stacks: [stack] }`, like describe-stacks.",
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['stackName', 'status'],
    properties: {
      stackName: { description: 'Name or id (ARN) of the stack.', type: 'string', minLength: 1 },
      status: {
        description: 'The status to wait for, such as `UPDATE_COMPLETE`, or a list of them (any one will do).',
        oneOf: [
          { type: 'string', enum: [...STACK_STATUSES] },
          { type: 'array', items: { type: 'string', enum: [...STACK_STATUSES] }, minItems: 1, uniqueItems: true },
        ],
      },
      pollInterval: {
        description: `How often to look at the stack, such as \`10s\`. Default ${DEFAULT_POLL_INTERVAL}.`,
        type: 'string',
        pattern: DURATION_PATTERN,
        default: DEFAULT_POLL_INTERVAL,
      },
    },
  },

  async run(ctx, input): Promise<JsonValue> {
    const text = input.pollInterval ?? DEFAULT_POLL_INTERVAL;
    const pollIntervalMs = parseDuration(text);
    if (pollIntervalMs === undefined) {
      throw new StepFailure(`pollInterval ${JSON.stringify(text)} is not a duration such as 10s or 1m`, { code: 'invalid-input', retryable: false });
    }
    const targets = typeof input.status === 'string' ? [input.status] : input.status;
    const cloudformation = await awsClient(ctx, 'cloudformation');
    const stack = await describeStack(cloudformation, input.stackName);
    if (ctx.dryRun) {
      // the change it would wait for is only planned in a dry-run: waiting could never end
      ctx.log(`dry-run: would wait for stack ${input.stackName} (now ${stack.StackStatus}) to be ${targets.join(' or ')}`);
      return { Stacks: [toPlainJson(stack)] };
    }
    const afterEventId = await newestEventId(cloudformation, stack.StackId!);
    const finalStack = await waitForStackStatus(ctx, cloudformation, {
      stackId: stack.StackId!,
      // given an ARN, the messages still name the stack as an operator knows it
      stackName: stack.StackName ?? input.stackName,
      targets,
      pollIntervalMs,
      afterEventId,
    });
    return { Stacks: [toPlainJson(finalStack)] };
  },
});
