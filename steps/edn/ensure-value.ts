import { collectStringRanges, describeForm, type EdnForm, type MapForm } from './edn-form.js';
import { EdnError, type EdnSource } from './edn-error.js';
import { findPath, formatPath, type PathKey } from './find-path.js';
import { appendTopLevelMap, insertEntry } from './insert-entry.js';
import { parseEdn } from './parse-edn.js';
import { replaceValue } from './replace-value.js';
import { cutSnippet, detectLineEnding, type Snippet } from './text-layout.js';

export interface EnsureRequest {
  /** Keys in EDN syntax, outermost first. */
  readonly path: readonly string[];
  /** One EDN value. */
  readonly value: string;
  readonly replace: boolean;
}

export type EnsureOutcome =
  | { readonly kind: 'present' }
  | { readonly kind: 'edit'; readonly action: 'add' | 'replace'; readonly text: string }
  /** Kept as a result rather than thrown: `check()` answers "not in place" instead of failing. */
  | { readonly kind: 'conflict'; readonly error: EdnError };

/** An input text read as exactly one form. */
interface ReadInput {
  readonly form: EdnForm;
  readonly snippet: Snippet;
}

/**
 * Decides what the file must become for `value` to sit at `path`. Pure: reads nothing,
 * writes nothing. `fileText` is '' for a missing file. Throws EdnError for bad input.
 */
export function ensureValue(fileText: string, request: EnsureRequest): EnsureOutcome {
  const value = readInput(request.value, { kind: 'value' });
  const keys = request.path.map((text, index) => readInput(text, { kind: 'path', index }));
  const pathKeys: PathKey[] = keys.map((key) => ({ form: key.form, text: key.snippet.text }));
  const lineEnding = detectLineEnding(fileText);
  const top = readTopLevelMap(fileText);
  if (top === undefined) {
    const entry = { keys: keys.map((key) => key.snippet), value: value.snippet };
    return { kind: 'edit', action: 'add', text: appendTopLevelMap(fileText, entry, lineEnding) };
  }
  const lookup = findPath(top, pathKeys);
  if (!lookup.found) {
    const entry = { keys: keys.slice(lookup.depth).map((key) => key.snippet), value: value.snippet };
    return { kind: 'edit', action: 'add', text: insertEntry(fileText, lookup.map, entry, lineEnding) };
  }
  const existing = lookup.entry.value;
  if (existing.canonical === value.form.canonical) return { kind: 'present' };
  if (request.replace) {
    return { kind: 'edit', action: 'replace', text: replaceValue(fileText, existing, value.snippet, lineEnding) };
  }
  const message =
    `${formatPath(pathKeys)} already holds ${oneLine(fileText.slice(existing.from, existing.to))}, ` +
    `not the wanted ${oneLine(value.snippet.text)}: set replace: true to overwrite it`;
  return { kind: 'conflict', error: new EdnError(message, existing.from, 'edn-conflict') };
}

function readTopLevelMap(fileText: string): MapForm | undefined {
  const [top, second] = parseEdn(fileText);
  if (top === undefined) return undefined;
  if (second !== undefined) {
    throw new EdnError('a second top-level form: a deps.edn file holds exactly one map {...}', second.from, 'edn-shape');
  }
  if (top.kind !== 'map') {
    throw new EdnError(
      `the top-level form is ${describeForm(top)}: edn.ensure edits files whose top-level form is a map {...}`,
      top.from,
      'edn-shape',
    );
  }
  return top;
}

function readInput(text: string, source: EdnSource): ReadInput {
  const [form, second] = parseWithin(text, source);
  const example = source.kind === 'value'
    ? 'one EDN value, such as {:mvn/version "1.0.68"}'
    : 'one key: a keyword (:aliases), a quoted string ("datomic-cloud") or a symbol (com.datomic/ion)';
  if (form === undefined) throw new EdnError(`no form here: write ${example}`, 0, 'edn-syntax', source);
  if (second !== undefined) throw new EdnError(`a second form: write ${example}`, second.from, 'edn-syntax', source);
  return { form, snippet: cutSnippet(text, form.from, form.to, collectStringRanges(form)) };
}

function parseWithin(text: string, source: EdnSource): EdnForm[] {
  try {
    return parseEdn(text);
  } catch (error) {
    throw error instanceof EdnError ? error.from(source) : error;
  }
}

/** Values in messages fit on one line; the file keeps their real layout. */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ');
}
