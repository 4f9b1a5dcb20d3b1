import { createHash } from 'node:crypto';
import type { Decision } from './decision.js';

/**
 * Where a store keeps a decision, relative to the run's folder: one file (or object) per
 * approval and person, so that creating it only if it is not there lets each decide only once.
 * A forEach item's key may be long: its hash names it.
 */
export function decisionPath(decision: Pick<Decision, 'stepId' | 'itemKey' | 'round' | 'by'>): string {
  const item = decision.itemKey === undefined ? '' : `@${createHash('sha256').update(decision.itemKey).digest('hex').slice(0, 16)}`;
  const approval = `${decision.stepId}${item}${decision.round ? `#${decision.round}` : ''}`;
  return `${DECISIONS_FOLDER}${encodeURIComponent(approval)}/${encodeURIComponent(decision.by)}.json`;
}

export const DECISIONS_FOLDER = 'decisions/';
