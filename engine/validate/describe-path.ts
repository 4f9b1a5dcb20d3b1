import type { DocPath } from '../load/source-map.js';
import { isJsonObject } from '../json.js';

/** Names a place in a runbook the way its author thinks of it: `"retry.maxAttempts" of step "compute"`. */
export function describePath(path: DocPath, document: unknown): string {
  const [section, key, ...rest] = path;
  if (section === undefined) return 'the runbook';
  if (section === 'steps' && typeof key === 'number') {
    // the label of a step is its id, which is the value at fault here
    if (rest.length === 1 && rest[0] === 'id') return `the id of step ${key + 1}`;
    const owner = stepLabel(document, key);
    return rest.length === 0 ? owner : `"${joinPath(rest)}" of ${owner}`;
  }
  if (section === 'params' && key !== undefined) {
    return rest.length === 0 ? `param "${key}"` : `"${joinPath(rest)}" of param "${key}"`;
  }
  return `"${joinPath(path)}"`;
}

export function stepLabel(document: unknown, index: number): string {
  const steps = isJsonObject(document) && Array.isArray(document.steps) ? document.steps : [];
  const step = steps[index];
  const id = isJsonObject(step) && typeof step.id === 'string' ? step.id : undefined;
  return id ? `step "${id}"` : `step ${index + 1}`;
}

function joinPath(path: DocPath): string {
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}
