import type { JsonObject } from '../json.js';
import type { JsonSchema } from '../step-definition.js';

const STEPWISE_KEYS = new Set(['description', 'default', 'required', 'secret']);

/** A param's declaration less stepwise's own keys is a JSON Schema for its value. */
export function paramSchema(spec: JsonObject): JsonSchema {
  return Object.fromEntries(Object.entries(spec).filter(([key]) => !STEPWISE_KEYS.has(key)));
}

export function isRequired(spec: JsonObject): boolean {
  if (typeof spec.required === 'boolean') return spec.required;
  return spec.default === undefined;
}
