import type { PlannedWrite } from '../execute/plan-review.js';
import type { JsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import type { StepContext } from '../step-definition.js';
import type { PlanFile } from './plan-file.js';
import { writeLabel } from './plan-recorder.js';

/** One thing a plan file kept outside itself (a change set), as `stepwise discard` finds it. */
export interface KeptOutside {
  stepId: string;
  /** `step "update"`, with its forEach item. */
  label: string;
  /** In words, as the plan file says it (`keptOutside`). */
  text: string;
  write: PlannedWrite & { kept: JsonObject };
}

/** What removing one of them came to: removed now, not there any more, or left with why. */
export type DiscardOutcome = { kept: KeptOutside; outcome: 'removed' | 'already gone' } | { kept: KeptOutside; outcome: 'left'; reason: string };

/** Every write of the plan whose kept plan holds something outside the file. */
export function keptOutside(plan: PlanFile): KeptOutside[] {
  return plan.steps.flatMap((step) =>
    (step.writes ?? []).flatMap((write) =>
      write.kept !== undefined && write.keptOutside !== undefined ? [{ stepId: step.id, label: writeLabel(step.id, write.itemKey), text: write.keptOutside, write: { ...write, kept: write.kept } }] : [],
    ),
  );
}

/**
 * Removes each in turn through its step type's `discardKept`, with the settings its plan used
 * (region, profile), whatever the others do: one that cannot be removed is told with why, so
 * that the operator can remove it by hand.
 */
export async function discardKept(all: readonly KeptOutside[], runbookDir: string, registry: StepRegistry, signal: AbortSignal, note: (line: string) => void): Promise<DiscardOutcome[]> {
  const outcomes: DiscardOutcome[] = [];
  for (const kept of all) {
    try {
      const { discardWith } = kept.write;
      if (!discardWith) throw new Error('the plan file does not say how to remove it (its step type cannot discard it): remove it by hand');
      const definition = await registry.load(discardWith.type);
      if (!definition.discardKept) throw new Error(`step type ${definition.type} no longer says how to discard what its plan kept: remove it by hand`);
      const ctx = discardContext(kept, discardWith.settings, runbookDir, signal, note);
      const gone = await definition.discardKept(ctx, kept.write.kept, kept.write.input as JsonObject);
      outcomes.push({ kept, outcome: gone === 'gone' ? 'already gone' : 'removed' });
    } catch (error) {
      outcomes.push({ kept, outcome: 'left', reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}

/**
 * The context a step type's `discardKept` gets outside any run: a dry-run's, so that the calls it
 * may make are a plan's (a change set created, read, deleted), never a change to the system.
 */
function discardContext(kept: KeptOutside, settings: Record<string, JsonObject>, runbookDir: string, signal: AbortSignal, note: (line: string) => void): StepContext {
  const nothingToAsk = (): never => {
    throw new Error('discarding a plan asks nothing and runs no runbook');
  };
  return {
    runId: '',
    stepId: kept.stepId,
    dryRun: true,
    keepPlan: false,
    reviewed: kept.write.kept,
    signal,
    runbookDir,
    settings: (name) => settings[name] ?? {},
    progress: () => {},
    log: note,
    note,
    confirm: nothingToAsk,
    approve: nothingToAsk,
    onRunEnd: () => {},
    runbook: nothingToAsk,
  };
}
