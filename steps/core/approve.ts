import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';

export interface ApproveInput {
  message: string;
}

export default defineStep<ApproveInput>({
  type: 'approve',
  description: 'Ask the operator to approve before the run goes on; a "no" stops it (exit code 3).',
  effect: 'interactive',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: {
      message: {
        description: 'The yes/no question, saying what happens next and what it risks.',
        type: 'string',
        minLength: 1,
      },
    },
  },

  async plan(_ctx, input) {
    return `ask the operator: ${input.message}`;
  },

  async run(ctx, input) {
    if (!(await ctx.confirm(input.message))) {
      throw new StepFailure(`the operator declined: ${input.message}`, { code: 'declined', retryable: false });
    }
    return { approved: true };
  },
});
