import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { awsClient } from './client.js';
import { toPlainJson } from './plain-json.js';
import { STACK_STATUSES, type StackStatusName } from './stack-status.js';

export interface ListStacksInput {
  statusFilter?: StackStatusName[];
}

export default defineStep<ListStacksInput>({
  type: 'aws.cloudformation.list-stacks',
  description:
    'List the stacks of the region with their status, deleted ones included unless a status filter leaves them out. Result: `{ StackSummaries: [...] }`.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    properties: {
      statusFilter: {
        description: 'Only stacks in one of these statuses, such as `[CREATE_COMPLETE, UPDATE_COMPLETE]`. Omitted: every status.',
        type: 'array',
        items: { type: 'string', enum: [...STACK_STATUSES] },
        minItems: 1,
        uniqueItems: true,
      },
    },
  },

  async run(ctx, input): Promise<JsonValue> {
    const { sdk, client, callOptions } = await awsClient(ctx, 'cloudformation');
    const summaries: unknown[] = [];
    for await (const page of sdk.paginateListStacks({ client }, { StackStatusFilter: input.statusFilter }, callOptions)) {
      summaries.push(...(page.StackSummaries ?? []));
    }
    return { StackSummaries: toPlainJson(summaries) };
  },
});
