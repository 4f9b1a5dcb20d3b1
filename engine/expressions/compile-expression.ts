import { compile, tokenize } from '@jmespath-community/jmespath';
import type { ExpressionNode } from './ast.js';
import { registerFunctions } from './functions.js';

const cache = new Map<string, ExpressionNode>();

/** A JMESPath syntax error with the offset where it was found inside the expression. */
export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

export function compileExpression(source: string): ExpressionNode {
  const cached = cache.get(source);
  if (cached) return cached;
  registerFunctions();
  if (source.trim() === '') throw new ExpressionSyntaxError('empty expression', 0);
  let ast: ExpressionNode;
  try {
    ast = hoistNot(compile(source));
  } catch (error) {
    throw toSyntaxError(source, error);
  }
  cache.set(source, ast);
  return ast;
}

/**
 * JMESPath binds `!` tighter than `.`, so `!steps.a.outputs.b` would negate `steps` and then
 * read fields of a boolean: always null. Nobody means that; negate the whole path instead.
 */
function hoistNot(node: ExpressionNode): ExpressionNode {
  const spine: ExpressionNode[] = [];
  let left: ExpressionNode = node;
  while (left.type === 'Subexpression' || left.type === 'IndexExpression') {
    spine.push(left);
    left = left.left;
  }
  if (spine.length > 0 && left.type === 'NotExpression') {
    return { type: 'NotExpression', child: replaceLeftmost(node, left.child) };
  }
  return mapChildren(node, hoistNot);
}

function replaceLeftmost(node: ExpressionNode, replacement: ExpressionNode): ExpressionNode {
  if (node.type === 'Subexpression' || node.type === 'IndexExpression') {
    return { ...node, left: replaceLeftmost(node.left, replacement) };
  }
  return replacement;
}

function mapChildren(node: ExpressionNode, visit: (child: ExpressionNode) => ExpressionNode): ExpressionNode {
  const copy: Record<string, unknown> = { ...node };
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) copy[key] = value.map((child) => (isNode(child) ? visit(child) : child));
    else if (isNode(value)) copy[key] = visit(value);
  }
  return copy as unknown as ExpressionNode;
}

function isNode(value: unknown): value is ExpressionNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function toSyntaxError(source: string, error: unknown): ExpressionSyntaxError {
  const message = (error instanceof Error ? error.message : String(error)).replace(/^Syntax error: /, '');
  if (/\(EOF\)/.test(message)) return new ExpressionSyntaxError('the expression ends too early', source.length);
  const token = /value: (.*)$/.exec(message)?.[1];
  return new ExpressionSyntaxError(message, token ? offsetOfToken(source, token) : 0);
}

function offsetOfToken(source: string, value: string): number {
  try {
    return tokenize(source).find((token) => String(token.value) === value)?.start ?? 0;
  } catch {
    return Math.max(0, source.indexOf(value));
  }
}
