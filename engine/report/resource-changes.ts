import type { PropertyChange, ResourceChange } from '../step-definition.js';
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

/** One row per resource; a Properties column, one property a line, when the preview gave any. */
export function resourceChangeTable(changes: ResourceChange[]): string[] {
  const withProperties = changes.some((change) => (change.properties ?? []).length > 0);
  return table(
    ['Action', 'Logical id', 'Type', 'Replacement', ...(withProperties ? ['Properties'] : [])],
    changes.map((change) => [
      change.action,
      change.logicalId,
      change.resourceType,
      change.replacement ?? '',
      ...(withProperties ? [(change.properties ?? []).map(describePropertyChange).join('\n')] : []),
    ]),
  );
}

/** `LaunchTemplateData/InstanceType: t2.small → i3.large`, and whether it recreates the resource when it may. */
export function describePropertyChange(property: PropertyChange): string {
  const recreation = property.requiresRecreation && property.requiresRecreation !== 'Never' ? ` (recreates the resource: ${property.requiresRecreation})` : '';
  return `${property.name}: ${property.before ?? '(none)'} → ${property.after ?? '(none)'}${recreation}`;
}

function isResourceChange(value: unknown): value is ResourceChange {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  const text = (name: string) => typeof fields[name] === 'string';
  return (
    text('action') &&
    text('logicalId') &&
    text('resourceType') &&
    (fields.replacement === undefined || text('replacement')) &&
    (fields.properties === undefined || (Array.isArray(fields.properties) && fields.properties.every(isPropertyChange)))
  );
}

function isPropertyChange(value: unknown): value is PropertyChange {
  if (typeof value !== 'object' || value === null) return false;
  const fields = value as Record<string, unknown>;
  const optionalText = (name: string) => fields[name] === undefined || typeof fields[name] === 'string';
  return typeof fields.name === 'string' && optionalText('before') && optionalText('after') && optionalText('requiresRecreation');
}
