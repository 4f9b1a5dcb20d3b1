import { isRegistered, getRegisteredFunctions } from '@jmespath-community/jmespath';
import { compileExpression, ExpressionSyntaxError } from '../expressions/compile-expression.js';
import { findReferences, SCOPE_ROOTS } from '../expressions/references.js';
import { hasExpression, parseTemplate, TemplateError, wholeExpression } from '../expressions/template.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.js';
import type { DocPath } from '../load/source-map.js';
import { stepsOf } from './check-steps.js';
import { checkOutputNames, type StepProducts } from './check-output-names.js';
import { didYouMean } from './did-you-mean.js';
import { offsetOfName, type NameKind } from './locate-name.js';
import type { Report } from './report.js';

interface Visibility {
  /** Step ids an expression here may read, in run order. */
  earlier: string[];
  /** What each of the earlier steps makes readable. */
  readable: ReadonlyMap<string, StepProducts>;
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
  const products = steps.map(({ step }) => productsOf(step));
  const readableBefore = (index: number) => new Map(ids.slice(0, index).map((id, i) => [id, products[i]!]));
  for (const { step, index } of steps) {
    const self = ids[index];
    const earlier = ids.slice(0, index).filter(Boolean);
    const scope: Visibility = { earlier, readable: readableBefore(index), later: ids.slice(index + 1), self, params, hasItem: step.forEach !== undefined };
    for (const field of ['with', 'if', 'forEach'] as const) {
      if (step[field] !== undefined) checkValue(step[field], ['steps', index, field], { ...scope, hasItem: field !== 'forEach' && scope.hasItem }, report);
    }
    checkSelectors(step.outputs, ['steps', index, 'outputs'], report);
    checkForEachIsList(step.forEach, document.params, ['steps', index, 'forEach'], report);
  }
  if (document.outputs === undefined) return;
  checkValue(document.outputs, ['outputs'], { earlier: ids.filter(Boolean), readable: readableBefore(ids.length), later: [], params, hasItem: false }, report);
}

function productsOf(step: JsonObject): StepProducts {
  return { outputs: isJsonObject(step.outputs) ? Object.keys(step.outputs) : [], forEach: step.forEach !== undefined };
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
    return report.inString(path, offset + error.offset, `invalid expression ${quoted(expression)}: ${error.message}`);
  }
  const refs = findReferences(ast);
  const problems: { name: string; kind: NameKind; message: string }[] = [];
  for (const root of refs.roots) {
    if (root === 'item' && !scope.hasItem) problems.push({ name: root, kind: 'root', message: '"item" is only defined in a step with forEach' });
    else if (!(SCOPE_ROOTS as readonly string[]).includes(root)) {
      problems.push({ name: root, kind: 'root', message: `unknown name "${root}": an expression starts with ${SCOPE_ROOTS.join(', ')}${didYouMean(root, SCOPE_ROOTS)}` });
    }
  }
  for (const id of refs.steps) {
    const message = checkStepReference(id, scope);
    if (message) problems.push({ name: id, kind: 'step', message });
  }
  for (const name of refs.params) {
    if (!scope.params.includes(name)) problems.push({ name, kind: 'param', message: `undeclared param "${name}"${didYouMean(name, scope.params) || '; declare it under params:'}` });
  }
  for (const name of refs.functions) {
    if (!isRegistered(name)) problems.push({ name, kind: 'function', message: `unknown function ${name}()${didYouMean(name, getRegisteredFunctions())}` });
  }
  const located = problems.map((problem) => ({ offset: offsetOfName(expression, problem.kind, problem.name), message: problem.message }));
  for (const problem of [...located, ...checkOutputNames(expression, scope.readable)]) {
    report.inString(path, offset + problem.offset, `in ${quoted(expression)}: ${problem.message}`);
  }
}

/** An expression as a message quotes it: on one line, whatever the YAML block it came from. */
function quoted(expression: string): string {
  return `\${{ ${expression.replace(/\s+/g, ' ')} }}`;
}

function checkStepReference(id: string, scope: Visibility): string | undefined {
  if (scope.earlier.includes(id)) return undefined;
  if (id === scope.self) return `step "${id}" cannot read its own outputs`;
  if (scope.later.includes(id)) return `step "${id}" runs later, so its outputs do not exist yet`;
  return `unknown step "${id}"${didYouMean(id, [...scope.earlier, ...scope.later])}`;
}

function checkSelectors(outputs: JsonValue | undefined, path: DocPath, report: Report): void {
  if (!isJsonObject(outputs)) return;
  for (const [name, spec] of Object.entries(outputs)) {
    const selector = typeof spec === 'string' ? spec : isJsonObject(spec) && typeof spec.from === 'string' ? spec.from : undefined;
    if (selector === undefined) continue;
    const at = typeof spec === 'string' ? [...path, name] : [...path, name, 'from'];
    if (hasExpression(selector)) {
      report.inString(at, selector.indexOf('${{'), `output "${name}" is a bare JMESPath selector over the step's result: write it without \${{ }}`);
      continue;
    }
    try {
      compileExpression(selector);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      report.inString(at, error.offset, `invalid selector for output "${name}": ${error.message}`);
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
  const param = expression && /^params\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression)?.[1];
  const spec = param && isJsonObject(params) ? params[param] : undefined;
  if (isJsonObject(spec) && typeof spec.type === 'string' && spec.type !== 'array') {
    report.at(path, `forEach needs a list, but param "${param}" is declared as ${spec.type}; declare it with type: array`);
  }
}
