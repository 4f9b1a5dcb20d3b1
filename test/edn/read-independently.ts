import { isDeepStrictEqual } from 'node:util';
import { parseEDNString } from 'edn-data';

/**
 * Reads EDN with edn-data, a reader that shares no code with the step, and follows the path
 * in it: proof that an edited file is still EDN and holds the value.
 */
export function valueAtPath(fileText: string, path: readonly string[]): unknown {
  let current: unknown = parseEDNString(fileText);
  for (const keyText of path) {
    const key = parseEDNString(keyText);
    const entries = isEdnMap(current) ? current.map : [];
    const entry = entries.find(([candidate]) => isDeepStrictEqual(candidate, key));
    if (entry === undefined) return undefined;
    current = entry[1];
  }
  return current;
}

export function readValue(text: string): unknown {
  return parseEDNString(text);
}

function isEdnMap(value: unknown): value is { map: Array<[unknown, unknown]> } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { map?: unknown }).map);
}
