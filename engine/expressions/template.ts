import { compileExpression } from './compile-expression.js';

/** A piece of a string value: literal text, or a `${{ }}` expression with its offset. */
export type TemplatePart = { text: string } | { expression: string; offset: number };

const OPEN = '${{';
const CLOSE = '}}';

export function hasExpression(value: string): boolean {
  return value.includes(OPEN);
}

/**
 * Splits a string into text and expressions. JMESPath itself may contain `}}` (a hash in a
 * hash), so an expression ends at the first `}}` after which its text compiles.
 */
export function parseTemplate(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < value.length) {
    const open = value.indexOf(OPEN, cursor);
    if (open < 0) break;
    if (open > cursor) parts.push({ text: value.slice(cursor, open) });
    const start = open + OPEN.length;
    const close = findClose(value, start);
    if (close < 0) throw new TemplateError('`${{` is never closed with `}}`', open);
    parts.push({ expression: value.slice(start, close).trim(), offset: start + leadingSpace(value.slice(start, close)) });
    cursor = close + CLOSE.length;
  }
  if (cursor < value.length) parts.push({ text: value.slice(cursor) });
  return parts;
}

/**
 * A value that is exactly one expression keeps the expression's type. Spaces around it do not
 * count, so that `if: |` (which ends in a newline) still yields a boolean, not the text "false".
 */
export function wholeExpression(parts: TemplatePart[]): string | undefined {
  const meaningful = parts.filter((part) => !('text' in part) || part.text.trim() !== '');
  const [only] = meaningful;
  return meaningful.length === 1 && only && 'expression' in only ? only.expression : undefined;
}

function findClose(value: string, start: number): number {
  let first = -1;
  for (let close = value.indexOf(CLOSE, start); close >= 0; close = value.indexOf(CLOSE, close + 1)) {
    if (first < 0) first = close;
    if (compiles(value.slice(start, close))) return close;
  }
  return first;
}

function compiles(text: string): boolean {
  try {
    compileExpression(text.trim());
    return true;
  } catch {
    return false;
  }
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}
