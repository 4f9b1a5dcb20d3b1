import { defineStep } from '../../engine/step-definition.js';
import type { JsonObject } from '../../engine/json.js';

interface RunbookInput {
  path: string;
  params?: JsonObject;
}

/**
 * Composes runbooks: the engine runs the child step by step, so its own steps decide what a
 * dry-run does; this step only reads until one of them writes.
 */
export default defineStep<RunbookInput>({
  type: 'runbook',
  description: 'Run another runbook file with parameters and return its outputs.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'The runbook file, relative to this runbook, written out (not a `${{ }}`).' },
      params: { type: 'object', description: 'The child runbook\'s parameters, as values (not key=value text).' },
    },
  },
  includes: (input) => (typeof input.path === 'string' ? [{ path: input.path, params: input.params ?? {}, paramsAt: ['params'] }] : []),
  run: (ctx, input) => ctx.runbook(input.path, input.params ?? {}),
});
