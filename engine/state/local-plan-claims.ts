import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isStorageFailure, StateWriteError, UsageError } from '../exit-codes.js';
import { claimThatHolds, parsePlanClaim, planClaimName, type PlanClaim } from './plan-claim.js';
import { syncFolder } from './write-file-atomic.js';

/**
 * `<state dir>/plans/<sha256>.json`, created only if it is not there (O_EXCL): of two applies
 * of one plan at the same moment, one gets it. Undefined when this claim was recorded, else the one there.
 */
export function claimLocalPlan(stateDir: string, claim: PlanClaim): PlanClaim | undefined {
  const file = path.join(stateDir, planClaimName(claim.plan));
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeFileSync(fd, `${JSON.stringify(claim, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return claimThatHolds(readLocalPlanClaim(stateDir, claim.plan), file);
    if (isStorageFailure(error)) throw new StateWriteError(file, error);
    throw new UsageError(`${file}: cannot record who takes the plan: ${(error as Error).message}`);
  }
  syncFolder(path.dirname(file));
  return undefined;
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
