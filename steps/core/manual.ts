import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';

export interface ManualInput {
  instructions: string;
}

export default defineStep<ManualInput>({
  type: 'manual',
  description: 'Show the operator instructions to carry out by hand, and wait until they say it is done. `--yes` answers for them: use it only when someone does the work.',
  effect: 'interactive',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['instructions'],
    properties: {
      instructions: {
        description: 'What to do, in Markdown.',
        type: 'string',
        minLength: 1,
      },
    },
  },

  async plan(_ctx, input) {
    return { summary: 'the operator carries out instructions by hand', details: input.instructions };
  },

  async run(ctx, input) {
    for (const line of input.instructions.trimEnd().split(/\r?\n/)) ctx.log(line);
    if (!(await ctx.confirm(`Done with the manual step "${ctx.stepId}"?`))) {
      throw new StepFailure('the operator did not confirm that the manual step is done', {
        code: 'declined',
        retryable: false,
      });
    }
    return { done: true };
  },
});
