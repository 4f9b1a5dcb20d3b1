import type { StepSpec } from '../document/runbook.js';
import type { Resolved } from '../expressions/evaluate.js';
import type { JsonObject, JsonValue } from '../json.js';
import { valueDifferences } from '../plans/value-differences.js';
import type { StepDefinition } from '../step-definition.js';
import { StepFailure } from '../step-failure.js';
import { DEPENDS_VALUE } from './plan-review.js';
import { toJson, type ItemRef, type RunState } from './run-state.js';

/** apply's check: what changed in the world the write step's plan was made against. */
export function checkBasis(step: StepSpec, state: RunState, definition: StepDefinition, ref: ItemRef | undefined, input: JsonObject, now: JsonValue): void {
  const { review, redactor } = state.options;
  const recorded = review?.recorded?.(step.id, ref?.key)?.basis;
  // a write the plan did not make, or made without a basis, is told apart by comparing the steps
  if (recorded === undefined) return;
  const differences = definition.basis!.differences ? definition.basis!.differences(recorded, now, input) : valueDifferences(recorded, now, 'basis');
  if (differences.length > 0) review?.basisChanged?.(step.id, ref?.key, differences.map((line) => redactor.text(line)));
}

/**
 * apply: a write step runs only with the input its reviewed plan recorded (a value the plan could
 * not know, since it depended on an earlier write, excepted); else the run stops there.
 */
export function refuseUnreviewedInput(step: StepSpec, state: RunState, ref: ItemRef | undefined, input: Resolved): void {
  const { review, redactor } = state.options;
  if (review?.mode !== 'apply') return;
  const which = ref ? `item ${ref.key} of step "${step.id}"` : `step "${step.id}"`;
  const recorded = review.recorded?.(step.id, ref?.key);
  if (!recorded) {
    throw new StepFailure(`stale plan: the reviewed plan has no change for ${which}, which would change something now`, { code: 'stale-plan', retryable: false, details: 'make a new plan with `stepwise plan --out` and review it' });
  }
  const differences = valueDifferences(recorded.input, redactor.value(toJson(input)), 'with', (value) => typeof value === 'string' && DEPENDS_VALUE.test(value));
  if (differences.length === 0) return;
  throw new StepFailure(`stale plan: ${which} would get other input than the reviewed plan recorded: ${differences.join('; ')}`, { code: 'stale-plan', retryable: false, details: 'make a new plan with `stepwise plan --out` and review it' });
}
