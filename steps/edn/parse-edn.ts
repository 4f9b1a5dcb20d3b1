import { parser } from '@nextjournal/lezer-clojure';
import type { EdnForm } from './edn-form.js';
import { findSyntaxError } from './find-syntax-error.js';
import { readForms } from './read-form.js';

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Reads every top-level form of an EDN text, keeping each one's position. Throws an
 * EdnError at the first malformed or non-EDN spot.
 */
export function parseEdn(text: string): EdnForm[] {
  // Blanked rather than cut so that offsets still index the original text.
  const parsable = text.startsWith(BYTE_ORDER_MARK) ? ` ${text.slice(1)}` : text;
  const tree = parser.parse(parsable);
  const syntaxError = findSyntaxError(tree, parsable);
  if (syntaxError !== undefined) throw syntaxError;
  return readForms(tree.topNode, parsable);
}
