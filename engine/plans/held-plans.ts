import type { JsonObject } from '../json.js';
import type { Redactor } from '../secrets.js';
import type { StepContext, StepDefinition } from '../step-definition.js';

/**
 * What a write step's plan kept outside the plan file (a change set in the target system), as
 * the operator is told of it, and, while `plan --out` has not written its file, how to discard it.
 */
export interface HeldPlan {
  /** What the step's plan kept (`Plan.kept`): a plan file that holds it names this one. */
  readonly kept: JsonObject;
  /** In words (`describeKept`), else the kept plan as JSON, redacted. */
  readonly text: string;
  /** Removes it, when no plan file will ever name it (`plan --out` that writes none); absent without `discardKept`. */
  readonly discard?: () => Promise<void | 'gone'>;
}

/**
 * What `kept` holds outside the plan file, or undefined when the step type does not say it holds
 * anything there: to discard it, it needs `discardKept`; to tell of it, `describeKept`.
 * `discardKept` gets a signal of its own: a plan stopped by Ctrl-C must still clean up after itself.
 */
export function heldPlan(definition: StepDefinition, ctx: StepContext, kept: JsonObject, input: JsonObject, redactor: Redactor): HeldPlan | undefined {
  const described = definition.describeKept?.(kept, input);
  if (!definition.discardKept) return described === undefined ? undefined : { kept, text: redactor.text(described) };
  if (definition.describeKept && described === undefined) return undefined;
  const text = redactor.text(described ?? JSON.stringify(redactor.value(kept)));
  const free = { ...ctx, signal: new AbortController().signal };
  return { kept, text, discard: () => definition.discardKept!(free, kept, input) };
}
