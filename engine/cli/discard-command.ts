import os from 'node:os';
import path from 'node:path';
import type { StateCliOptions } from './cli-options.js';
import { UsageError } from '../exit-codes.js';
import { discardKept, keptOutside, type DiscardOutcome } from '../plans/discard-kept.js';
import { readPlanFile, runbookOf, type ReadPlan } from '../plans/plan-file.js';
import type { StepRegistry } from '../registry.js';
import { builtInRegistry, builtInStateCatalog } from './builtins.js';
import { loadValidRunbook } from './load-valid-runbook.js';
import { openState, type OpenedState } from './open-state.js';
import { howThatRunEnded } from './plan-taken.js';
import { commandLine } from './resume-command-line.js';

export interface DiscardCliOptions extends StateCliOptions {
  json?: boolean;
}

/**
 * `stepwise discard PLAN`: a plan that will not be applied. Takes it in the state, as apply
 * would, so that nobody applies it from then on, then removes what its steps kept outside the
 * file (change sets), each through its step type. Never touches anything else.
 */
export async function discardCommand(planFile: string, options: DiscardCliOptions): Promise<void> {
  const read = readPlanFile(planFile);
  const kept = keptOutside(read.plan);
  const { registry, runbookDir } = await stepTypesFor(read, kept.flatMap((entry) => (entry.write.discardWith ? [entry.write.discardWith.type] : [])));
  const state = await openState(options, builtInStateCatalog());
  await claimForDiscard(read, state);
  const outcomes = await discardKept(kept, runbookDir, registry, new AbortController().signal, (line) => process.stderr.write(`stepwise: ${line}\n`));
  const left = outcomes.filter((outcome) => outcome.outcome === 'left');
  if (options.json) process.stdout.write(`${JSON.stringify(discardDocument(read, outcomes), null, 2)}\n`);
  else if (outcomes.length === 0) process.stdout.write(`${planFile} kept nothing outside its file: nothing to remove\n`);
  else for (const outcome of outcomes) process.stdout.write(`${outcomeLine(outcome)}\n`);
  process.stderr.write(`stepwise: ${planFile} is discarded: apply refuses it from now on\n`);
  if (left.length > 0) {
    process.stderr.write(`stepwise: ${left.length} left, to remove by hand or with \`${commandLine(['stepwise', 'discard', planFile, ...state.arguments])}\` again once the cause is fixed\n`);
    process.exitCode = 1;
  }
}

function outcomeLine(outcome: DiscardOutcome): string {
  const { label, text } = outcome.kept;
  if (outcome.outcome === 'left') return `${label}: left, cannot remove ${text}: ${outcome.reason}`;
  return outcome.outcome === 'removed' ? `${label}: removed ${text}` : `${label}: already gone: ${text}`;
}

function discardDocument({ file, sha256 }: ReadPlan, outcomes: DiscardOutcome[]) {
  return {
    plan: { path: path.resolve(file), sha256 },
    discarded: outcomes.map((outcome) => ({
      step: outcome.kept.stepId,
      ...(outcome.kept.write.itemKey === undefined ? {} : { itemKey: outcome.kept.write.itemKey }),
      what: outcome.kept.text,
      outcome: outcome.outcome,
      ...(outcome.outcome === 'left' ? { reason: outcome.reason } : {}),
    })),
  };
}

/**
 * A plan applied, or being applied, is that run's: what it kept is carried out there. Discarding
 * again is no harm: what is gone is said to be.
 */
async function claimForDiscard(read: ReadPlan, state: OpenedState): Promise<void> {
  const claim = await state.backend.claimPlan({ plan: read.sha256, by: 'discard', at: new Date().toISOString(), user: os.userInfo().username });
  if (claim?.by !== 'apply') return;
  throw new UsageError(`cannot discard ${read.file}: it was applied, by run ${claim.runId} (started ${claim.at} by ${claim.user}); nothing was removed:`, [await howThatRunEnded(claim, state)]);
}

/**
 * The built-in step types discard their own kept plans; a plugin's are found through the plan's
 * runbook, as apply finds them, and its `discardKept` runs from the runbook's folder as it is now.
 */
async function stepTypesFor(read: ReadPlan, types: string[]): Promise<{ registry: StepRegistry; runbookDir: string }> {
  const builtIn = builtInRegistry();
  if (types.every((type) => builtIn.has(type))) return { registry: builtIn, runbookDir: path.dirname(read.plan.runbook.path) };
  const file = runbookOf(read);
  const { registry } = await loadValidRunbook(file, builtIn).catch((error: unknown) => {
    if (error instanceof UsageError) throw new UsageError(`cannot discard ${read.file}: ${error.message}`, error.details, error.diagnostics);
    throw error;
  });
  return { registry, runbookDir: path.dirname(file) };
}
