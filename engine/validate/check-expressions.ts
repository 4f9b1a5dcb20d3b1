import { isRegistered, getRegisteredFunctions } from '@jmespath-community/jmespath';
import { compileExpression, ExpressionSyntaxError } from '../expressions/compile-expression.js';
import { findReferences, SCOPE_ROOTS } from '../expressions/references.js';
import { parseTemplate, TemplateError, wholeExpression } from '../expressions/template.js';
import { isJsonObject, type JsonValue } from '../json.js';
import type { DocPath } from '../load/source-map.js';
import { stepsOf } from './check-steps.js';
import { didYouMean } from './did-you-mean.js';
import type { Report } from './report.js';

interface Visibility {
  /** Step ids an expression here may read, in run order. */
  earlier: string[];
  later: string[];
  self?: string;
  params: string[];
  hasItem: boolean;
}

/** Every `${{ }}` parses, and names only params and earlier steps that exist. */
export function checkExpressions(document: unknown, report: Report): void {
  if (!isJsonObject(document)) return;
  const params = isJsonObject(document.params) ? Object.keys(document.params) : [];
  const steps = stepsOf(document);
  const ids = steps.map(({ step }) => (typeof step.id === 'string' ? step.id : ''));
  for (const { step, index } of steps) {
    const self = ids[index];
    const scope: Visibility = { earlier: ids.slice(0, index).filter(Boolean), later: ids.slice(index + 1), self, params, hasItem: step.forEach !== undefined };
    for (const field of ['with', 'if', 'forEach'] as const) {
      if (step[field] !== undefined) checkValue(step[field], ['steps', index, field], { ...scope, hasItem: field !== 'forEach' && scope.hasItem }, report);
    }
    checkSelectors(step.outputs, ['steps', index, 'outputs'], report);
    checkForEachIsList(step.forEach, document.params, ['steps', index, 'forEach'], report);
  }
  if (document.outputs !== undefined) checkValue(document.outputs, ['outputs'], { earlier: ids.filter(Boolean), later: [], params, hasItem: false }, report);
}

function checkValue(value: JsonValue, path: DocPath, scope: Visibility, report: Report): void {
  if (typeof value === 'string') checkString(value, path, scope, report);
  else if (Array.isArray(value)) value.forEach((item, i) => checkValue(item, [...path, i], scope, report));
  else if (isJsonObject(value)) for (const [key, item] of Object.entries(value)) checkValue(item, [...path, key], scope, report);
}

function checkString(value: string, path: DocPath, scope: Visibility, report: Report): void {
  let parts;
  try {
    parts = parseTemplate(value);
  } catch (error) {
    if (error instanceof TemplateError) return report.inString(path, error.offset, error.message);
    throw error;
  }
  for (const part of parts) {
    if ('expression' in part) checkExpression(part.expression, part.offset, path, scope, report);
  }
}

function checkExpression(expression: string, offset: number, path: DocPath, scope: Visibility, report: Report): void {
  let ast;
  try {
    ast = compileExpression(expression);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    return report.inString(path, offset + error.offset, `invalid expression \${{ ${expression} }}: ${error.message}`);
  }
  const refs = findReferences(ast);
  const problems: string[] = [];
  for (const root of refs.roots) {
    if (root === 'item' && !scope.hasItem) problems.push('"item" is only defined in a step with forEach');
    else if (!(SCOPE_ROOTS as readonly string[]).includes(root)) {
      problems.push(`unknown name "${root}"${didYouMean(root, SCOPE_ROOTS)}; an expression starts with ${SCOPE_ROOTS.join(', ')}`);
    }
  }
  for (const id of refs.steps) problems.push(...checkStepReference(id, scope));
  for (const name of refs.params) {
    if (!scope.params.includes(name)) problems.push(`undeclared param "${name}"${didYouMean(name, scope.params) || '; declare it under params:'}`);
  }
  for (const name of refs.functions) {
    if (!isRegistered(name)) problems.push(`unknown function ${name}()${didYouMean(name, getRegisteredFunctions())}`);
  }
  for (const problem of problems) report.inString(path, offset, `in \${{ ${expression} }}: ${problem}`);
}

function checkStepReference(id: string, scope: Visibility): string[] {
  if (scope.earlier.includes(id)) return [];
  if (id === scope.self) return [`step "${id}" cannot read its own outputs`];
  if (scope.later.includes(id)) return [`step "${id}" runs later, so its outputs do not exist yet`];
  return [`unknown step "${id}"${didYouMean(id, [...scope.earlier, ...scope.later])}`];
}

function checkSelectors(outputs: JsonValue | undefined, path: DocPath, report: Report): void {
  if (!isJsonObject(outputs)) return;
  for (const [name, spec] of Object.entries(outputs)) {
    const selector = typeof spec === 'string' ? spec : isJsonObject(spec) && typeof spec.from === 'string' ? spec.from : undefined;
    if (selector === undefined) continue;
    const at = typeof spec === 'string' ? [...path, name] : [...path, name, 'from'];
    try {
      compileExpression(selector);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      report.inString(at, error.offset, `invalid selector for output "${name}": ${error.message} (outputs are bare JMESPath over the step's result, without \${{ }})`);
    }
  }
}

/** forEach needs a list: a param declared as something else can never be one. */
function checkForEachIsList(forEach: JsonValue | undefined, params: JsonValue | undefined, path: DocPath, report: Report): void {
  if (typeof forEach !== 'string') return;
  let expression;
  try {
    expression = wholeExpression(parseTemplate(forEach));
  } catch {
    return;
  }
  if (expression === undefined) {
    report.at(path, `forEach needs a list, not the text ${JSON.stringify(forEach)}; write a list or a single \${{ }} expression`);
    return;
  }
  const param = /^params\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression)?.[1];
  const spec = param && isJsonObject(params) ? params[param] : undefined;
  if (isJsonObject(spec) && typeof spec.type === 'string' && spec.type !== 'array') {
    report.at(path, `forEach needs a list, but param "${param}" is declared as ${spec.type}`);
  }
}
