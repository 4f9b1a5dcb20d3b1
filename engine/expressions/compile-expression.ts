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
  } catch {
    throw toSyntaxError(source);
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

/** The library's errors carry no position and name tokens by their types; find and name the culprit. */
function toSyntaxError(source: string): ExpressionSyntaxError {
  const tokens = tokensOf(source);
  if (!tokens) return lexicalError(source);
  for (const [i, token] of tokens.entries()) {
    const end = tokens[i + 1]?.start ?? source.length;
    const problem = compileProblem(source.slice(0, end));
    if (problem !== undefined && !/EOF/.test(problem)) {
      return new ExpressionSyntaxError(describeBadToken(token, source.slice(token.start, end).trim(), problem), token.start);
    }
  }
  const last = tokens.at(-1)!;
  return new ExpressionSyntaxError(`the expression is incomplete after "${source.slice(last.start).trim()}"`, last.start);
}

interface Token {
  type: string;
  start: number;
}

function tokensOf(source: string): Token[] | undefined {
  try {
    return tokenize(source) as Token[];
  } catch {
    return undefined;
  }
}

function compileProblem(source: string): string | undefined {
  try {
    compile(source);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const TOKEN_TEXT: Record<string, string> = {
  Rbracket: ']', Lbracket: '[', Rparen: ')', Lparen: '(', Rbrace: '}', Lbrace: '{', Colon: ':', Comma: ',', Dot: '.', Pipe: '|',
};

function describeBadToken(token: Token, text: string, problem: string): string {
  if (token.type === 'Number') return `a number needs backticks here: \`${text}\``;
  const expected = /expected (\w+)/.exec(problem)?.[1];
  if (expected && TOKEN_TEXT[expected]) return `unexpected "${text}", expected "${TOKEN_TEXT[expected]}"`;
  if (/identifier/.test(problem)) return `unexpected "${text}", expected a name`;
  return `unexpected "${text}"`;
}

/** The text does not even split into tokens: an unknown character, or a quote never closed. */
function lexicalError(source: string): ExpressionSyntaxError {
  let valid = source.length - 1;
  while (valid > 0 && !tokensOf(source.slice(0, valid))) valid--;
  const found = valid + (source.slice(valid).length - source.slice(valid).trimStart().length);
  // the shortest prefix that fails may end inside a character outside the BMP (an emoji): name it whole
  const start = isLowSurrogate(source.charCodeAt(found)) && found > 0 ? found - 1 : found;
  const char = String.fromCodePoint(source.codePointAt(start) ?? 0);
  if (char === '"') return new ExpressionSyntaxError('the quoted name starting here is never closed with "', start);
  if (char === '`') {
    const close = source.indexOf('`', start + 1);
    if (close < 0) return new ExpressionSyntaxError('the literal starting here is never closed with `', start);
    return new ExpressionSyntaxError(`${source.slice(start, close + 1)} is not a JSON value; write text as a quoted string, such as 'text' or \`"text"\``, start);
  }
  return new ExpressionSyntaxError(`unexpected character "${char}"`, start);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
