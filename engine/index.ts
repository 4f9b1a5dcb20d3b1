/**
 * What a plugin author imports from 'stepwise': the step contract's types, and the two helpers
 * a plugin may use at run time. Everything else of the engine is private and may change.
 */
export type {
  BasisCheck,
  Effect,
  ExpressionSpan,
  IncludedRunbook,
  InputInspector,
  InputProblem,
  InputResolver,
  JsonSchema,
  Plan,
  PropertyChange,
  ResourceChange,
  StepContext,
  StepDefinition,
  TemplatePiece,
} from './step-definition.js';
export type { Resolved, ResolvedObject } from './expressions/evaluate.js';
export type { Unknown } from './expressions/unknown.js';
export type { JsonObject, JsonPrimitive, JsonValue } from './json.js';
export { defineStep } from './step-definition.js';
export { StepFailure } from './step-failure.js';
