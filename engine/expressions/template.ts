import { compileExpression } from './compile-expression.js';

/** A piece of a string value: literal text, or a `${{ }}` expression with its offset. */
export type TemplatePart = { text: string } | { expression: string; offset: number };

const OPEN = '${{';
const CLOSE = '}}';

export function hasExpression(value: string): boolean {
  return value.includes(OPEN);
}

/** Where a `${{ }}` stands in a string: from `${{` to just after `}}`, and the expression inside. */
export interface ExpressionSpan {
  start: number;
  end: number;
  expression: string;
  /** Where the expression's own text starts, for messages. */
  offset: number;
}

/**
 * Finds the `${{ }}` expressions of a string, in order. JMESPath itself may contain `}}` (a
 * hash in a hash), so an expression ends at the first `}}` after which its text compiles.
 */
export function findExpressions(value: string): ExpressionSpan[] {
  const spans: ExpressionSpan[] = [];
  for (let open = value.indexOf(OPEN); open >= 0; open = value.indexOf(OPEN, spans.at(-1)!.end)) {
    const start = open + OPEN.length;
    const close = findClose(value, start);
    if (close < 0) throw new TemplateError('`${{` is never closed with `}}`', open);
    const inner = value.slice(start, close);
    spans.push({ start: open, end: close + CLOSE.length, expression: inner.trim(), offset: start + leadingSpace(inner) });
  }
  return spans;
}

/** Splits a string into text and expressions. */
export function parseTemplate(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (const span of findExpressions(value)) {
    if (span.start > cursor) parts.push({ text: value.slice(cursor, span.start) });
    parts.push({ expression: span.expression, offset: span.offset });
    cursor = span.end;
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
