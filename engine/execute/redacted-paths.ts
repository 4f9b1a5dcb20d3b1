import { isJsonObject } from '../json.js';
import type { OutputPath, RunEvent } from './events.js';

/**
 * The event as it will be stored, marked with where its outputs lost a value to redaction:
 * the journal then says which outputs a resume cannot give back (a secret, or text holding
 * one, such as `https://u:***@h`), instead of handing the mask on as if it were the value.
 */
export function markRedactedOutputs(original: RunEvent, redacted: RunEvent): RunEvent {
  if (original.type !== 'step-succeeded' && original.type !== 'step-finished') return redacted;
  if (redacted.type !== 'step-succeeded' && redacted.type !== 'step-finished') return redacted;
  const paths = [...(original.unrestorable ?? []), ...redactedPaths(original.outputs, redacted.outputs, [])];
  return paths.length === 0 ? redacted : { ...redacted, unrestorable: paths };
}

/** Where `after` differs from `before`; an object whose keys changed (a key was a secret) differs as a whole. */
function redactedPaths(before: unknown, after: unknown, at: OutputPath): OutputPath[] {
  if (before === after) return [];
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => redactedPaths(item, after[index], [...at, index]));
  }
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = Object.keys(before);
    if (keys.length !== Object.keys(after).length || keys.some((key) => !(key in after))) return [at];
    return keys.flatMap((key) => redactedPaths(before[key], after[key], [...at, key]));
  }
  return [at];
}

/** How a runbook names the output at `path` of a step: `steps.mint.outputs.url`, `steps.list.outputs[0].name`. */
export function outputReference(stepId: string, path: OutputPath): string {
  return `steps.${stepId}.outputs${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('')}`;
}
