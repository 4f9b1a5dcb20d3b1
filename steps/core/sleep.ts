import { setTimeout as delay } from 'node:timers/promises';
import { DURATION_PATTERN, parseDuration } from '../../engine/duration.js';
import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';

export interface SleepInput {
  duration: string;
}

export default defineStep<SleepInput>({
  type: 'sleep',
  description: 'Wait a fixed time, for example for a change to propagate.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['duration'],
    properties: {
      duration: {
        description: 'How long: a number and a unit (ms, s, m, h), such as `500ms`, `30s`, `10m`, `1h30m`.',
        type: 'string',
        pattern: DURATION_PATTERN,
      },
    },
  },

  async run(ctx, input) {
    const milliseconds = parseDuration(input.duration);
    if (milliseconds === undefined) {
      throw new StepFailure(
        `duration ${JSON.stringify(input.duration)} is not a duration: write a number and a unit (ms, s, m, h), such as 30s or 1h30m`,
        { code: 'invalid-input', retryable: false },
      );
    }
    ctx.progress(`waiting ${input.duration}`);
    try {
      await delay(milliseconds, undefined, { signal: ctx.signal });
    } catch (error) {
      // the reason says why (timeout, Ctrl-C); the timer's own AbortError does not
      ctx.signal.throwIfAborted();
      throw error;
    }
    return { milliseconds };
  },
});
