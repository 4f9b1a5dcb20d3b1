import { describeForm, type EdnForm, type MapEntry, type MapForm } from './edn-form.js';
import { EdnError } from './edn-error.js';

/** A key of `with.path`, read, with the text the operator wrote for it. */
export interface PathKey {
  readonly form: EdnForm;
  readonly text: string;
}

export type PathLookup =
  | { readonly found: true; readonly entry: MapEntry }
  /** `keys[depth]` is missing from `map`, the deepest map the path reaches. */
  | { readonly found: false; readonly map: MapForm; readonly depth: number };

/** Follows the keys down nested maps, comparing keys by value, not by spelling. */
export function findPath(top: MapForm, keys: readonly PathKey[]): PathLookup {
  let map = top;
  for (const [depth, key] of keys.entries()) {
    const entry = map.entries.find((candidate) => candidate.key.canonical === key.form.canonical);
    if (entry === undefined) return { found: false, map, depth };
    if (depth === keys.length - 1) return { found: true, entry };
    if (entry.value.kind !== 'map') throw notAMap(entry.value, keys, depth);
    map = entry.value;
  }
  throw new Error('findPath needs at least one key');
}

export function formatPath(keys: readonly PathKey[]): string {
  return keys.map((key) => key.text).join(' ');
}

function notAMap(value: EdnForm, keys: readonly PathKey[], depth: number): EdnError {
  const reached = formatPath(keys.slice(0, depth + 1));
  const next = keys[depth + 1]?.text ?? '';
  return new EdnError(
    `${reached} holds ${describeForm(value)}, not a map, so ${next} cannot be looked up or added in it: every key of path but the last must lead to a map {...}`,
    value.from,
    'edn-shape',
  );
}
