import { collectStringRanges, type EdnForm } from './edn-form.js';
import { EdnError } from './edn-error.js';
import { parseEdn } from './parse-edn.js';
import { splitOutsideStrings, type Snippet } from './text-layout.js';

/**
 * The snippet written on one line, so that a one-line map stays on one line. Kept as it is
 * when joining its lines would change what it reads as (a line comment would swallow the rest).
 */
export function flattenSnippet(snippet: Snippet): Snippet {
  const lines = splitOutsideStrings(snippet);
  if (lines.length === 1) return snippet;
  const text = lines.map((line) => line.trim()).filter((line) => line !== '').join(' ');
  const flat = readSingleForm(text);
  const original = readSingleForm(snippet.text);
  if (flat === undefined || original === undefined || flat.canonical !== original.canonical) return snippet;
  return { text, originColumn: 0, stringRanges: collectStringRanges(flat) };
}

function readSingleForm(text: string): EdnForm | undefined {
  try {
    const forms = parseEdn(text);
    return forms.length === 1 ? forms[0] : undefined;
  } catch (error) {
    if (error instanceof EdnError) return undefined;
    throw error;
  }
}
