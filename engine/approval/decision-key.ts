import { createHash } from 'node:crypto';
import type { Decision } from './decision.js';

/**
 * Where a store keeps a decision, relative to the run's folder: one file (or object) per
 * approval and person, so that creating it only if it is not there lets each decide only once.
 * A forEach item's key may be long: its hash names it.
 */
export function decisionPath(decision: Pick<Decision, 'stepId' | 'itemKey' | 'by'>): string {
  const approval = decision.itemKey === undefined ? decision.stepId : `${decision.stepId}@${createHash('sha256').update(decision.itemKey).digest('hex').slice(0, 16)}`;
  return `${DECISIONS_FOLDER}${encodeURIComponent(approval)}/${encodeURIComponent(decision.by)}.json`;
}

export const DECISIONS_FOLDER = 'decisions/';
