import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { awsClient } from './client.js';
import { checkFilters, FILTER_INPUT_SCHEMA, parseFilters, type Ec2FilterInput } from './ec2-filters.js';
import { toPlainJson } from './plain-json.js';

export interface DescribeInstancesInput {
  instanceIds?: string[];
  filters?: Ec2FilterInput[];
}

export default defineStep<DescribeInstancesInput>({
  type: 'aws.ec2.describe-instances',
  description:
    'Describe EC2 instances, by id or by filters (the AWS CLI\'s `--filters` syntax works as is), page after page. Result: `{ Reservations: [{ Instances: [...] }] }`, so that `Reservations[].Instances[]` selects every instance.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    properties: {
      instanceIds: {
        description: 'Only these instances, such as `[i-0123456789abcdef0]`.',
        type: 'array',
        items: { type: 'string', pattern: '^i-[0-9a-f]+$' },
        minItems: 1,
      },
      filters: FILTER_INPUT_SCHEMA,
    },
  },

  checkInput: (input, inspect) => checkFilters(input.filters, inspect),

  async run(ctx, input): Promise<JsonValue> {
    const filters = input.filters ? parseFilters(input.filters) : undefined;
    const { sdk, client, callOptions } = await awsClient(ctx, 'ec2');
    const reservations: unknown[] = [];
    const request = { InstanceIds: input.instanceIds, Filters: filters };
    for await (const page of sdk.paginateDescribeInstances({ client }, request, callOptions)) {
      reservations.push(...(page.Reservations ?? []));
    }
    return { Reservations: toPlainJson(reservations) };
  },
});
