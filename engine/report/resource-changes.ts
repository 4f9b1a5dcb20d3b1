import { table } from './markdown.js';

/**
 * A resource a write step would add, modify or remove, as a step type lists it under `changes`
 * in its plan (a CloudFormation change set, for one). The page finds the list by its shape, so
 * any step type that plans resources gets the table.
 */
export interface ResourceChange {
  action: string;
  logicalId: string;
  resourceType: string;
  replacement?: string;
}

/** The resource changes a plan carries, or none when it has no such list. */
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
