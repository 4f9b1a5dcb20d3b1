import { TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';
import { isJsonObject, type JsonValue } from '../json.js';
import { compileExpression } from './compile-expression.js';
import { findReferences } from './references.js';
import { hasExpression, parseTemplate, wholeExpression } from './template.js';
import { Unknown } from './unknown.js';

/** What `${{ }}` expressions see. Steps whose outputs a dry-run cannot know are listed apart. */
export interface Scope {
  data: { [key: string]: JsonValue };
  unknownSteps: ReadonlyMap<string, Unknown>;
}

export type Resolved = JsonValue | Unknown | ResolvedObject | Resolved[];
export interface ResolvedObject {
  [key: string]: Resolved;
}

/** A failure while evaluating: a function given the wrong type, an unknown function. */
export class EvaluationError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`in \${{ ${expression} }}: ${message}`);
    this.name = 'EvaluationError';
  }
}

/** Evaluates every `${{ }}` inside a value, keeping the value's shape. */
export function resolveValue(value: JsonValue | undefined, scope: Scope): Resolved {
  if (value === undefined) return null;
  if (typeof value === 'string') return hasExpression(value) ? resolveString(value, scope) : value;
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, scope));
  if (isJsonObject(value)) {
    const out: ResolvedObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveValue(item, scope);
    return out;
  }
  return value;
}

function resolveString(value: string, scope: Scope): Resolved {
  const parts = parseTemplate(value);
  const whole = wholeExpression(parts);
  if (whole !== undefined) return evaluateExpression(whole, scope);
  return resolveText(parts, scope);
}

/**
 * Text and expressions joined into one string, each value turned into text; a value a dry-run
 * cannot know makes the whole string unknown.
 */
export function resolveText(parts: readonly ({ text: string } | { expression: string })[], scope: Scope): string | Unknown {
  const pieces = parts.map((part) => ('text' in part ? part.text : evaluateExpression(part.expression, scope)));
  const unknown = pieces.find((piece): piece is Unknown => piece instanceof Unknown);
  if (unknown) return new Unknown([...new Set(pieces.flatMap((piece) => (piece instanceof Unknown ? piece.dependsOn : [])))]);
  return pieces.map((piece) => toText(piece as JsonValue)).join('');
}

export function evaluateExpression(expression: string, scope: Scope): Resolved {
  const ast = compileExpression(expression);
  const waitingOn = [...findReferences(ast).steps].filter((id) => scope.unknownSteps.has(id));
  if (waitingOn.length > 0) return new Unknown(waitingOn.flatMap((id) => scope.unknownSteps.get(id)!.dependsOn));
  if (scope.data.item instanceof Unknown) return scope.data.item;
  try {
    return TreeInterpreter.search(ast, scope.data as JSONValue) as JsonValue;
  } catch (error) {
    throw new EvaluationError(expression, error instanceof Error ? error.message : String(error));
  }
}

/** A JMESPath selector over a step's raw result (`outputs:`), without `${{ }}`. */
export function select(selector: string, result: JsonValue): JsonValue {
  try {
    return TreeInterpreter.search(compileExpression(selector), result as JSONValue) as JsonValue;
  } catch (error) {
    throw new EvaluationError(selector, error instanceof Error ? error.message : String(error));
  }
}

/** JMESPath's truth: false, null, '', [] and {} are false. */
export function isTruthy(value: Resolved): boolean {
  if (value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && !(value instanceof Unknown)) return Object.keys(value).length > 0;
  return true;
}

function toText(value: JsonValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
