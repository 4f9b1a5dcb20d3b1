import { canonicalJson } from '../canonical-json.js';
import type { PlannedWrite, PlanReview, StepDecision } from '../execute/plan-review.js';
import type { JsonObject } from '../json.js';
import type { HeldPlan } from './held-plans.js';
import type { PlannedStep } from './plan-file.js';

/**
 * Collects what a dry-run decided and planned, step by step, for a plan file (`plan --out`) or
 * for apply's check against one (given the steps it recorded, to take bases against).
 */
export class PlanRecorder implements PlanReview {
  private readonly steps = new Map<string, PlannedStep>();
  private readonly reviewed: Map<string, PlannedWrite>;
  /** apply's check: what changed in each write's basis, by its label. */
  readonly staleBases: string[] = [];
  /** What the writes' plans kept outside the plan file, by label: made by `plan --out`, or the reviewed ones in apply's check. */
  readonly heldPlans: { label: string; held: HeldPlan }[] = [];

  constructor(
    readonly mode: 'keep' | 'check',
    reviewedSteps: readonly PlannedStep[] = [],
  ) {
    this.reviewed = writesByKey(reviewedSteps);
  }

  decided(stepId: string, decision: StepDecision): void {
    // a step decided again (a sub-runbook's step run by a retried parent): the last attempt counts
    this.steps.set(stepId, { id: stepId, ...decision });
  }

  planned(stepId: string, write: PlannedWrite): void {
    const step = this.steps.get(stepId) ?? { id: stepId, decision: 'ran' as const };
    const writes = (step.writes ?? []).filter((other) => other.itemKey !== write.itemKey);
    this.steps.set(stepId, { ...step, writes: [...writes, write] });
  }

  recorded(stepId: string, itemKey: string | undefined): PlannedWrite | undefined {
    return this.reviewed.get(writeKey(stepId, itemKey));
  }

  basisChanged(stepId: string, itemKey: string | undefined, differences: string[]): void {
    this.staleBases.push(`${writeLabel(stepId, itemKey)}: what it was planned against changed: ${differences.join('; ')}`);
  }

  held(stepId: string, itemKey: string | undefined, held: HeldPlan): void {
    this.heldPlans.push({ label: writeLabel(stepId, itemKey), held });
  }

  /**
   * What attempts that did not count kept outside the plan file: a step planned again (a
   * sub-runbook run again by its retried parent step) replaces its write, and what the attempt
   * before kept is named by no plan file.
   */
  supersededHeld(): { label: string; held: HeldPlan }[] {
    const named = new Set(this.plannedSteps().flatMap((step) => (step.writes ?? []).flatMap((write) => (write.kept === undefined ? [] : [heldKey(writeLabel(step.id, write.itemKey), write.kept)]))));
    return this.heldPlans.filter(({ label, held }) => !named.has(heldKey(label, held.kept)));
  }

  /** The steps in the order they were decided. */
  plannedSteps(): PlannedStep[] {
    return [...this.steps.values()];
  }
}

/** apply's real run (and its resumes): each write gets its reviewed plan back. */
export function applyReview(steps: readonly PlannedStep[]): PlanReview {
  const writes = writesByKey(steps);
  return { mode: 'apply', recorded: (stepId, itemKey) => writes.get(writeKey(stepId, itemKey)) };
}

function writesByKey(steps: readonly PlannedStep[]): Map<string, PlannedWrite> {
  return new Map(steps.flatMap((step) => (step.writes ?? []).map((write) => [writeKey(step.id, write.itemKey), write] as const)));
}

function heldKey(label: string, kept: JsonObject): string {
  return `${label}\n${canonicalJson(kept)}`;
}

function writeKey(stepId: string, itemKey: string | undefined): string {
  return itemKey === undefined ? stepId : `${stepId}\n${itemKey}`;
}

/** How a message names a write: its step, and its forEach item. */
export function writeLabel(stepId: string, itemKey: string | undefined): string {
  return itemKey === undefined ? `step "${stepId}"` : `step "${stepId}", item ${itemKey}`;
}
