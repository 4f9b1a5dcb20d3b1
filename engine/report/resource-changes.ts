import type { ResourceChange } from '../step-definition.js';
import { table } from './markdown.js';

/**
 * The resource changes a plan carries under `changes` (an infrastructure service's change set, for one), or
 * none when it has no such list. Each entry is checked by its shape: a plugin written in
 * JavaScript may give anything, and a malformed entry is no row rather than a broken table.
 */
export function resourceChangesOf(plan: unknown): ResourceChange[] {
  if (typeof plan !== 'object' || plan === null || !('changes' in plan) || !Array.isArray(plan.changes)) return [];
  return plan.changes.filter(isResourceChange);
}

export function resourceChangeTable(changes: ResourceChange[]): string[] {
  return table(
    ['Action', 'Logical id', 'Type', 'Replacement'],
    changes.map((change) => [change.action, change.logicalId, change.resourceType, change.replacement ?? '']),
  );
}

function isResourceChange(value: unknown): value is ResourceChange {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  const text = (name: string) => typeof fields[name] === 'string';
  return text('action') && text('logicalId') && text('resourceType') && (fields.replacement === undefined || text('replacement'));
}
