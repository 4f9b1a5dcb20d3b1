import type { JsonObject } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';

export interface SetInput {
  values: JsonObject;
}

export default defineStep<SetInput>({
  type: 'set',
  description: 'Name values, computed once, for later steps: each key of `values` becomes a field of the result.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['values'],
    properties: {
      values: {
        description: 'The values by name; select them with `outputs:` (for example `stackName: stackName`).',
        type: 'object',
      },
    },
  },

  async run(_ctx, input) {
    return input.values;
  },
});
