/**
 * One text for one value whatever the order of its keys: `{b: 1, a: 2}` and `{a: 2, b: 1}` read
 * the same, so a forEach item is known by what it is, not where it stands in its list.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, sortKeys(object[key])]));
}
