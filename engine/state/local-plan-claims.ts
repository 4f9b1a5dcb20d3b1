import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../exit-codes.js';
import { createFileOnce } from './create-file-once.js';
import { claimThatHolds, parsePlanClaim, planClaimName, type PlanClaim } from './plan-claim.js';

/**
 * `<state dir>/plans/<sha256>.json`, created only if it is not there (O_EXCL): of two applies
 * of one plan at the same moment, one gets it. Undefined when this claim was recorded, else the one there.
 */
export function claimLocalPlan(stateDir: string, claim: PlanClaim): PlanClaim | undefined {
  const file = path.join(stateDir, planClaimName(claim.plan));
  if (createFileOnce(file, claim, 'record who takes the plan')) return undefined;
  return claimThatHolds(readLocalPlanClaim(stateDir, claim.plan), file);
}

export function readLocalPlanClaim(stateDir: string, sha256: string): PlanClaim | undefined {
  const file = path.join(stateDir, planClaimName(sha256));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new UsageError(`${file}: cannot read who took the plan: ${(error as Error).message}`);
  }
  return parsePlanClaim(text, file);
}
