import type { JsonValue } from '../../engine/json.js';
import { defineStep } from '../../engine/step-definition.js';
import { StepFailure } from '../../engine/step-failure.js';

export interface AssertInput {
  that: JsonValue;
  message?: string;
}

export default defineStep<AssertInput>({
  type: 'assert',
  description: 'Stop the run unless a condition holds.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['that'],
    properties: {
      that: {
        description:
          'The condition, usually one `${{ }}` expression. JMESPath truth: false, null, an empty string, ' +
          'an empty list and an empty object fail; everything else (0 included) passes.',
      },
      message: {
        description: 'What went wrong when the condition does not hold, in the operator\'s words.',
        type: 'string',
        minLength: 1,
      },
    },
  },

  async run(_ctx, input) {
    if (isTruthy(input.that)) return { that: input.that };
    const message = input.message ?? 'the assertion failed';
    throw new StepFailure(message, { code: 'assertion', retryable: false, details: whyFalse(input.that) });
  },
});

/** null, '' or [] failing surprises authors, so the details say which rule made the value false. */
function whyFalse(that: JsonValue): string {
  const shown = `\`that\` was ${JSON.stringify(that)}`;
  return that === false ? shown : `${shown}, which JMESPath counts as false`;
}

/** JMESPath's truth, as the engine applies it to `if:`. */
function isTruthy(value: JsonValue): boolean {
  if (value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
