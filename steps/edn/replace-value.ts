import type { EdnForm } from './edn-form.js';
import { alignmentPrefix, placeSnippet, type Snippet } from './text-layout.js';

/** Swaps only the text of one value; its key, neighbours and comments stay as they are. */
export function replaceValue(text: string, existing: EdnForm, value: Snippet, lineEnding: string): string {
  const placed = placeSnippet(value, alignmentPrefix(text, existing.from), lineEnding);
  return text.slice(0, existing.from) + placed + text.slice(existing.to);
}
