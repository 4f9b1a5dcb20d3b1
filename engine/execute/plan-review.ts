import type { JsonObject, JsonValue } from '../json.js';
import type { HeldPlan } from '../plans/held-plans.js';

/**
 * How a run takes part in a reviewed plan (docs/plans.md), told to the steps it executes:
 * - `keep`: `plan --out`; a write step's `plan()` keeps what apply will carry out, and its basis is taken;
 * - `check`: apply's pass before anything is written; a dry-run in which write steps do not
 *   call `plan()` (nothing is prepared again), only resolve their input and take their basis;
 * - `apply`: apply's real run (and its resumes); each write step gets its reviewed plan, and
 *   fails with `stale-plan` when its input is not the one the plan recorded.
 * Every value handed to `decided` and `planned` is redacted already.
 */
export interface PlanReview {
  readonly mode: 'keep' | 'check' | 'apply';
  /** A step's `if` and forEach decision, once made. */
  decided?(stepId: string, decision: StepDecision): void;
  /** A write step (or forEach item) planned, in `keep` and `check`. */
  planned?(stepId: string, write: PlannedWrite): void;
  /** `check` and `apply`: the write (item) as the reviewed plan recorded it; undefined when it planned none. */
  recorded?(stepId: string, itemKey: string | undefined): PlannedWrite | undefined;
  /** `check`: what changed in a write step's basis since the plan, one line each (redacted). */
  basisChanged?(stepId: string, itemKey: string | undefined, differences: string[]): void;
  /** `keep` and `check`: what a write's plan kept outside the plan file (`kept`: made now, `check`: the reviewed one). */
  held?(stepId: string, itemKey: string | undefined, held: HeldPlan): void;
}

/** Ran (with its forEach items' keys when it has forEach), skipped by its `if`, or undecided: its `if` or list depends on a write. */
export type StepDecision = { decision: 'ran'; items?: string[] } | { decision: 'skipped' } | { decision: 'depends'; dependsOn: string[] };

/** One write a plan would make, as a plan file records it. */
export interface PlannedWrite {
  /** A forEach item's key (its value in canonical JSON, redacted). */
  itemKey?: string;
  /** planned: it would change something; satisfied: its check() found it in place; depends: its input waits on an earlier write. */
  status: 'planned' | 'satisfied' | 'depends';
  /** Its resolved `with`, redacted; a value that depends on an earlier write stands as `<depends on STEP>`. */
  input: JsonValue;
  /** What `plan()` kept for apply to carry out (`Plan.kept`). */
  kept?: JsonObject;
  /** What the plan was made against (`basis.take`), redacted. */
  basis?: JsonValue;
  /** What `kept` holds outside the plan file (a change set), in words (`describeKept`), redacted: a refused apply names it. */
  keptOutside?: string;
  /** What `stepwise discard` needs to remove what `kept` holds outside the plan file: the step type, and the settings its plan used (redacted). */
  discardWith?: { type: string; settings: Record<string, JsonObject> };
}

/** The review a sub-runbook's steps take part in: the same, under their prefixed ids (`parent/child`). */
export function prefixedReview(review: PlanReview, prefix: string): PlanReview {
  return {
    mode: review.mode,
    ...(review.decided ? { decided: (stepId: string, decision: StepDecision) => review.decided!(prefix + stepId, decision) } : {}),
    ...(review.planned ? { planned: (stepId: string, write: PlannedWrite) => review.planned!(prefix + stepId, write) } : {}),
    ...(review.recorded ? { recorded: (stepId: string, itemKey: string | undefined) => review.recorded!(prefix + stepId, itemKey) } : {}),
    ...(review.basisChanged ? { basisChanged: (stepId: string, itemKey: string | undefined, differences: string[]) => review.basisChanged!(prefix + stepId, itemKey, differences) } : {}),
    ...(review.held ? { held: (stepId: string, itemKey: string | undefined, held: HeldPlan) => review.held!(prefix + stepId, itemKey, held) } : {}),
  };
}

/** A resolved value a dry-run could not know, as JSON shows it. */
export const DEPENDS_VALUE = /^<depends on [^>]*>$/;
