import type { JsonObject, JsonValue } from '../../engine/json.js';

/**
 * An SDK response as the JSON a step returns: `$metadata` (request ids, attempts) is transport
 * detail, dates become ISO strings, byte arrays base64 and absent members disappear, so that
 * `outputs:` selectors and the journal see exactly what the AWS CLI would print.
 */
export function toPlainJson(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((item) => toPlainJson(item ?? null));
  if (value instanceof Map) return toPlainObject(Object.fromEntries(value));
  if (value instanceof Set) return [...value].map((item) => toPlainJson(item ?? null));
  if (typeof value === 'object') return toPlainObject(value as Record<string, unknown>);
  return null;
}

export function toPlainObject(value: object): JsonObject {
  const result: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === '$metadata' || member === undefined || typeof member === 'function') continue;
    result[key] = toPlainJson(member);
  }
  return result;
}
