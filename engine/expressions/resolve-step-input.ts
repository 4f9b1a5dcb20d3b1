import type { JsonObject } from '../json.js';
import type { StepDefinition } from '../step-definition.js';
import { resolveText, resolveValue, type Resolved, type Scope } from './evaluate.js';
import { findExpressions } from './template.js';

/** A step's `with`, resolved by the step type's own `resolveInput` when it has one. */
export function resolveStepInput(definition: StepDefinition, input: JsonObject, scope: Scope): Resolved {
  if (!definition.resolveInput) return resolveValue(input, scope);
  return definition.resolveInput(input, {
    resolve: (value) => resolveValue(value, scope),
    expressions: (template) => findExpressions(template),
    text: (pieces) => resolveText(pieces, scope),
  });
}
