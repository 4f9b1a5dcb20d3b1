import type { JsonObject } from './json.js';
import type { Effect, StepDefinition } from './step-definition.js';

/**
 * What one step does to the world: its type's effect, or, for a type whose steps each say
 * theirs (`shell` with `effect: read`), what this step's input says. The run, the dry-run and
 * `stepwise docs` all decide by it.
 */
export function effectOfStep(definition: StepDefinition, input: unknown): Effect {
  if (typeof definition.effect !== 'function') return definition.effect;
  return definition.effect((input ?? {}) as JsonObject);
}

/**
 * A step type's effect as documentation states it: `input` when each step declares its own,
 * `runbook` when the steps of the runbooks it runs decide.
 */
export type DocumentedEffect = Effect | 'input' | 'runbook';

export function documentedEffect(definition: StepDefinition): DocumentedEffect {
  if (definition.includes) return 'runbook';
  return typeof definition.effect === 'function' ? 'input' : definition.effect;
}
