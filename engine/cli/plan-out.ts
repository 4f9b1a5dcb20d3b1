import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Runbook } from '../document/runbook.js';
import type { RunResult } from '../execute/run-result.js';
import type { JsonObject } from '../json.js';
import { UsageError } from '../exit-codes.js';
import { hashEachFile, PLAN_FORMAT, writePlanFile, type PlanFile } from '../plans/plan-file.js';
import type { HeldPlan } from '../plans/held-plans.js';
import type { PlanRecorder } from '../plans/plan-recorder.js';
import type { Redactor } from '../secrets.js';
import { hashFiles } from '../state/hash-files.js';
import { ENGINE_VERSION } from '../version.js';
import { secretParamNames } from './secret-param-names.js';

export interface PlanOut {
  /** Where the plan file goes, as given. */
  out: string;
  /** The runbook and everything it loads, the runbook first. */
  files: string[];
  runbook: Runbook;
  params: JsonObject;
  settingsOverrides: Record<string, JsonObject>;
  redactor: Redactor;
  recorder: PlanRecorder;
}

/** Before the plan runs, so that a plan is not made for nothing: its folder must be there. */
export function refuseUnwritableOut(out: string): void {
  const folder = path.dirname(path.resolve(out));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--out ${out}: the folder ${folder} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out ${out}: a folder, not a file to write the plan to`);
}

/**
 * `plan --out`: the plan, once complete, as a file `apply` can carry out. A plan that failed or
 * was interrupted is not one anybody should apply: no file then, and what its steps kept for
 * apply (a change set) is discarded, since no plan file names it.
 */
export async function writePlanOut(result: RunResult, setup: PlanOut): Promise<void> {
  const { recorder } = setup;
  if (result.status !== 'planned') {
    process.stderr.write(`stepwise: the plan did not complete (${result.status}): no plan file written to ${setup.out}\n`);
    await discardHeld(recorder.heldPlans, setup.redactor);
    return;
  }
  // a step planned again (its sub-runbook's parent retried): what the attempt before kept, no plan file names
  const superseded = recorder.supersededHeld();
  await discardHeld(superseded, setup.redactor, 'what an attempt of its plan kept before it was planned again');
  try {
    writeComplete(setup);
  } catch (error) {
    await discardHeld(recorder.heldPlans.filter((entry) => !superseded.includes(entry)), setup.redactor);
    throw error;
  }
  process.stderr.write(`stepwise: plan written to ${setup.out}; apply exactly this plan with: stepwise apply ${setup.out}\n`);
}

/** Each in turn, whatever the others do: one that cannot be discarded is named, with why, so that the operator can. */
async function discardHeld(heldPlans: readonly { label: string; held: HeldPlan }[], redactor: Redactor, what = 'what its plan kept for apply'): Promise<void> {
  for (const { label, held } of heldPlans) {
    try {
      if (!held.discard) throw new Error('its step type cannot discard it');
      await held.discard();
      process.stderr.write(`stepwise: ${label}: discarded ${what}: ${held.text}\n`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`stepwise: ${label}: cannot discard ${what}, so it is left: ${held.text}: ${redactor.text(message)}\n`);
    }
  }
}

function writeComplete(setup: PlanOut): void {
  const out = path.resolve(setup.out);
  const secretParams = secretParamNames(setup.runbook);
  const plan: PlanFile = {
    format: PLAN_FORMAT,
    kind: 'stepwise-plan',
    runbook: {
      path: setup.files[0]!,
      fromPlan: path.relative(path.dirname(out), setup.files[0]!),
      name: setup.runbook.name,
      version: setup.runbook.version,
      sha256: hashFiles(setup.files),
      files: hashEachFile(setup.files),
    },
    params: Object.fromEntries(Object.entries(setup.params).filter(([name]) => !secretParams.includes(name))),
    secretParams,
    settingsOverrides: setup.settingsOverrides,
    engineVersion: ENGINE_VERSION,
    madeBy: `${os.userInfo().username}@${os.hostname()}`,
    madeAt: new Date().toISOString(),
    steps: setup.recorder.plannedSteps(),
  };
  try {
    // each value was redacted on its way in; the whole once more, so that no way around it can leak
    writePlanFile(out, setup.redactor.value(plan));
  } catch (error) {
    throw new UsageError(`--out ${setup.out}: cannot write the plan file: ${(error as Error).message}`);
  }
}
