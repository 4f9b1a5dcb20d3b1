import type { SyntaxNode, Tree } from '@lezer/common';
import { EdnError } from './edn-error.js';
import { formatPosition } from './text-layout.js';

const CLOSERS: Readonly<Record<string, string>> = { '{': '}', '[': ']', '(': ')' };
const CLOSING = new Set(Object.values(CLOSERS));
const COLLECTIONS = new Set(['Map', 'Vector', 'List']);

/**
 * The first place where the grammar had to recover, explained in terms of the brackets and
 * strings an operator sees; undefined when the text parsed cleanly.
 */
export function findSyntaxError(tree: Tree, text: string): EdnError | undefined {
  let errorNode: SyntaxNode | undefined;
  tree.iterate({
    enter(node) {
      if (errorNode !== undefined) return false;
      if (node.type.isError) {
        errorNode = node.node;
        return false;
      }
      return undefined;
    },
  });
  return errorNode === undefined ? undefined : explain(errorNode, text);
}

function explain(errorNode: SyntaxNode, text: string): EdnError {
  const parent = errorNode.parent;
  if (parent !== null && COLLECTIONS.has(parent.name) && !isClosed(parent, text)) {
    return explainUnclosed(parent, errorNode.from, text);
  }
  if (parent?.name === 'String') {
    return new EdnError(`this string is never closed: expected a closing " before the end of the file`, parent.from);
  }
  if (parent?.name === 'Discard') {
    return new EdnError('"#_" must be followed by the form it discards', parent.from);
  }
  if (errorNode.from < errorNode.to) return explainUnexpected(errorNode, text);
  const incomplete = parent === null || parent.name === 'Program' ? undefined : parent;
  if (incomplete !== undefined) {
    return new EdnError(`${JSON.stringify(text.slice(incomplete.from, errorNode.from).trim())} must be followed by a form`, incomplete.from);
  }
  return new EdnError('unexpected end of the file: expected a form', errorNode.from);
}

function isClosed(collection: SyntaxNode, text: string): boolean {
  const opener = text[collection.from] ?? '';
  return collection.lastChild?.name === CLOSERS[opener];
}

function explainUnclosed(collection: SyntaxNode, stoppedAt: number, text: string): EdnError {
  const opener = text[collection.from] ?? '';
  const closer = CLOSERS[opener] ?? '';
  const next = nextSignificant(text, stoppedAt);
  if (next === undefined) {
    return new EdnError(`"${opener}" is never closed: expected "${closer}" before the end of the file`, collection.from);
  }
  return new EdnError(
    `"${opener}" is closed by "${text[next]}" at ${formatPosition(text, next)}: expected "${closer}"`,
    collection.from,
  );
}

function explainUnexpected(errorNode: SyntaxNode, text: string): EdnError {
  const token = text.slice(errorNode.from, errorNode.to).trim();
  const enclosing = enclosingCollection(errorNode);
  if (CLOSING.has(token)) {
    const context = enclosing === undefined
      ? 'no bracket is open here'
      : `the innermost open bracket is "${text[enclosing.from]}" at ${formatPosition(text, enclosing.from)}, closed by "${CLOSERS[text[enclosing.from] ?? ''] ?? ''}"`;
    return new EdnError(`unexpected "${token}": ${context}`, errorNode.from);
  }
  return new EdnError(
    `unexpected ${JSON.stringify(token)}: expected a form (map, vector, list, set, string, keyword, symbol, number, character, true, false, nil) or a closing bracket`,
    errorNode.from,
  );
}

function enclosingCollection(node: SyntaxNode): SyntaxNode | undefined {
  for (let ancestor = node.parent; ancestor !== null; ancestor = ancestor.parent) {
    if (COLLECTIONS.has(ancestor.name)) return ancestor;
  }
  return undefined;
}

/** The next character that is not whitespace or a comma (both separate forms in EDN). */
function nextSignificant(text: string, from: number): number | undefined {
  for (let index = from; index < text.length; index += 1) {
    if (!/[\s,]/.test(text[index] ?? '')) return index;
  }
  return undefined;
}
