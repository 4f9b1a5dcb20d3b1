import { UsageError } from '../exit-codes.js';

/**
 * Who took a plan file (by its SHA-256) in a state: the run that carries it out, or its
 * discarding. Recorded once, by a write that only creates, so that a plan is applied once, and
 * never applied and discarded both, even by two operators at the same moment.
 */
export type PlanClaim = { plan: string; at: string; user: string } & ({ by: 'apply'; runId: string } | { by: 'discard' });

/** A claim as stored; a damaged one is refused with where it is and what to do, never taken for none. */
export function parsePlanClaim(text: string, where: string): PlanClaim {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const claim = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof PlanClaim | 'runId', unknown>>;
  const strings = ['plan', 'at', 'user'].every((key) => typeof claim[key as keyof typeof claim] === 'string');
  if (strings && (claim.by === 'discard' || (claim.by === 'apply' && typeof claim.runId === 'string'))) return value as PlanClaim;
  throw new UsageError(`${where} is not a claim on a plan stepwise wrote (cut short by a crash?); if no run carries out that plan and it was not discarded, delete it and try again`);
}

/** The claim's file or object name: the plan's SHA-256, under `plans/` of the state. */
export function planClaimName(sha256: string): string {
  return `plans/${sha256}.json`;
}

/** The claim that beat this one; it was there a moment ago, so one gone since is a hand at work, not a free plan. */
export function claimThatHolds(found: PlanClaim | undefined, where: string): PlanClaim {
  if (found) return found;
  throw new UsageError(`${where} was there and is gone: someone deleted it while the plan was being taken; try again`);
}
