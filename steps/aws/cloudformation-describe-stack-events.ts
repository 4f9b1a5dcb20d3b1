import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { awsClient } from './client.js';
import { toPlainJson } from './plain-json.js';

export interface DescribeStackEventsInput {
  stackName: string;
  limit?: number;
}

const DEFAULT_EVENT_LIMIT = 100;

export default defineStep<DescribeStackEventsInput>({
  type: 'aws.cloudformation.describe-stack-events',
  description:
    "A stack's events, newest first: what CloudFormation did to each resource and why a change failed. Result: `{ StackEvents: [...] }`.",
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['stackName'],
    properties: {
      stackName: {
        description: 'Name or id (ARN) of the stack; an id also reaches a deleted stack.',
        type: 'string',
        minLength: 1,
      },
      limit: {
        description: `At most this many events, the newest (an old stack has thousands). Default ${DEFAULT_EVENT_LIMIT}.`,
        type: 'integer',
        minimum: 1,
        maximum: 10_000,
        default: DEFAULT_EVENT_LIMIT,
      },
    },
  },

  async run(ctx, input): Promise<JsonValue> {
    const limit = input.limit ?? DEFAULT_EVENT_LIMIT;
    const { sdk, client, callOptions } = await awsClient(ctx, 'cloudformation');
    const events: unknown[] = [];
    for await (const page of sdk.paginateDescribeStackEvents({ client }, { StackName: input.stackName }, callOptions)) {
      events.push(...(page.StackEvents ?? []));
      if (events.length >= limit) break;
    }
    return { StackEvents: toPlainJson(events.slice(0, limit)) };
  },
});
