import type { Runbook } from '../document/runbook.js';

/** The params declared `secret: true`: their values are never stored, only their names. */
export function secretParamNames(runbook: Pick<Runbook, 'params'>): string[] {
  return Object.entries(runbook.params ?? {}).filter(([, spec]) => spec.secret).map(([name]) => name);
}
