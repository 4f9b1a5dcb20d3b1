import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { awsClient } from './client.js';
import { toPlainJson } from './plain-json.js';

export interface DescribeStacksInput {
  stackName?: string;
}

export default defineStep<DescribeStacksInput>({
  type: 'aws.cloudformation.describe-stacks',
  description:
    'Describe one CloudFormation stack (status, parameters, outputs, tags), or every stack of the region. Result: `{ Stacks: [...] }`, as `aws cloudformation describe-stacks` prints it.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stackName: {
        description: 'Name or id (ARN) of the stack. Omitted: every stack of the region that is not deleted, page after page.',
        type: 'string',
        minLength: 1,
      },
    },
  },

  async run(ctx, input): Promise<JsonValue> {
    const cloudformation = await awsClient(ctx, 'cloudformation');
    const { sdk, client, callOptions } = cloudformation;
    const stacks: unknown[] = [];
    for await (const page of sdk.paginateDescribeStacks({ client }, { StackName: input.stackName }, callOptions)) {
      stacks.push(...(page.Stacks ?? []));
    }
    return { Stacks: toPlainJson(stacks) };
  },
});
