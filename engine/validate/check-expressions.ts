import { compileExpression, ExpressionSyntaxError } from '../expressions/compile-expression.js';
import { findReferences } from '../expressions/references.js';
import { parseTemplate, TemplateError } from '../expressions/template.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.js';
import type { DocPath } from '../load/source-map.js';
import { checkOutputNames, type StepProducts } from './check-output-names.js';
import { stepsOf } from './check-steps.js';
import { checkNames, type Visibility } from './expression-names.js';
import type { Report } from './report.js';

/** Where an expression is, and what it may read: earlier steps and what each makes readable. */
interface Place extends Visibility {
  readable: ReadonlyMap<string, StepProducts>;
  /** Evaluated as the run starts, before any step: what it is, when it may not read steps. */
  beforeSteps?: string;
}

/** Every `${{ }}` parses, and names only params, earlier steps and outputs that exist. */
export function checkExpressions(document: unknown, report: Report): void {
  if (!isJsonObject(document)) return;
  const params = isJsonObject(document.params) ? Object.keys(document.params) : [];
  const steps = stepsOf(document);
  const ids = steps.map(({ step }) => (typeof step.id === 'string' ? step.id : ''));
  const products = steps.map(({ step }) => productsOf(step));
  const readableBefore = (index: number) => new Map(ids.slice(0, index).map((id, i) => [id, products[i]!]));
  for (const { step, index } of steps) {
    // Worked out only when the step holds an expression: worked out for every step, it made
    // validating a long runbook take time and memory in the square of its length.
    const place = once((): Place => ({ earlier: ids.slice(0, index).filter(Boolean), later: ids.slice(index + 1), self: ids[index], params, hasItem: step.forEach !== undefined, readable: readableBefore(index) }));
    for (const field of ['with', 'if', 'skipReason', 'forEach'] as const) {
      // forEach and skipReason are evaluated once, before there is an item
      const beforeItems = field === 'forEach' || field === 'skipReason';
      if (step[field] !== undefined) checkValue(step[field], ['steps', index, field], () => ({ ...place(), hasItem: !beforeItems && place().hasItem }), report);
    }
  }
  if (document.outputs !== undefined) checkValue(document.outputs, ['outputs'], once(() => ({ earlier: ids.filter(Boolean), later: [], params, hasItem: false, readable: readableBefore(ids.length) })), report);
  if (document.notify !== undefined) checkValue(document.notify, ['notify'], () => ({ earlier: [], later: [], params, hasItem: false, readable: new Map(), beforeSteps: 'notify' }), report);
}

function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

function productsOf(step: JsonObject): StepProducts {
  return { outputs: isJsonObject(step.outputs) ? Object.keys(step.outputs) : undefined, forEach: step.forEach !== undefined };
}

function checkValue(value: JsonValue, path: DocPath, place: () => Place, report: Report): void {
  if (typeof value === 'string') checkString(value, path, place, report);
  else if (Array.isArray(value)) value.forEach((item, i) => checkValue(item, [...path, i], place, report));
  else if (isJsonObject(value)) for (const [key, item] of Object.entries(value)) checkValue(item, [...path, key], place, report);
}

function checkString(value: string, path: DocPath, place: () => Place, report: Report): void {
  let parts;
  try {
    parts = parseTemplate(value);
  } catch (error) {
    if (error instanceof TemplateError) return report.inString(path, error.offset, 'expression-syntax', error.message);
    throw error;
  }
  for (const part of parts) {
    if ('expression' in part) checkExpression(part.expression, part.offset, path, place(), report);
  }
}

function checkExpression(expression: string, offset: number, path: DocPath, place: Place, report: Report): void {
  let ast;
  try {
    ast = compileExpression(expression);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    return report.inString(path, offset + error.offset, 'expression-syntax', `invalid expression ${quoted(expression)}: ${error.message}`);
  }
  const references = findReferences(ast);
  const tooEarly = place.beforeSteps !== undefined && (references.roots.has('steps') || references.roots.has('item'));
  if (tooEarly) return report.inString(path, offset, 'step-reference', `in ${quoted(expression)}: ${place.beforeSteps} is resolved as the run starts, before any step: it may read params, env and run, not steps or item`);
  const problems = [...checkNames(expression, references, place), ...checkOutputNames(expression, place.readable)];
  for (const problem of problems) report.inString(path, offset + problem.offset, problem.rule, `in ${quoted(expression)}: ${problem.message}`);
}

/** An expression as a message quotes it: on one line, whatever the YAML block it came from. */
function quoted(expression: string): string {
  return `\${{ ${expression.replace(/\s+/g, ' ')} }}`;
}
