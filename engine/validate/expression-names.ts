import { getRegisteredFunctions, isRegistered } from '@jmespath-community/jmespath';
import type { References } from '../expressions/references.js';
import { SCOPE_ROOTS } from '../expressions/references.js';
import type { Rule } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { isQuotedName, offsetOfName, type NameKind } from './locate-name.js';

/** What an expression at one place in the runbook may read. */
export interface Visibility {
  /** Step ids that run earlier, in run order. */
  earlier: string[];
  later: string[];
  self?: string;
  params: string[];
  hasItem: boolean;
}

/** A problem at `offset` characters into the expression. */
export interface ExpressionProblem {
  offset: number;
  rule: Rule;
  message: string;
}

interface NamedProblem {
  kind: NameKind;
  name: string;
  rule: Rule;
  message: string;
}

/** Read as field names of the scope, which has none by these names: always null, never a boolean. */
const BARE_BOOLEANS = ['true', 'false'];

/** A bare `null` reads a field of that name, which is null: the value the author meant. */
const HARMLESS_ROOTS = ['null'];

/** Every name an expression reads exists and is readable here: roots, steps, params and functions. */
export function checkNames(expression: string, refs: References, scope: Visibility): ExpressionProblem[] {
  const dashed = dashedStepIds(refs.steps, scope);
  const problems = [
    ...rootProblems(expression, refs.roots, scope, dashed),
    ...[...refs.steps].flatMap((id) => stepProblem(id, scope, dashed)),
    ...[...refs.params].filter((name) => !scope.params.includes(name)).map((name) => named('param', name, 'undeclared-param', `undeclared param "${name}"${didYouMean(name, scope.params) || '; declare it under params:'}`)),
    ...[...refs.functions].filter((name) => !isRegistered(name)).map((name) => named('function', name, 'unknown-function', `unknown function ${name}()${didYouMean(name, getRegisteredFunctions())}`)),
  ];
  return problems.map((problem) => ({ offset: offsetOfName(expression, problem.kind, problem.name), rule: problem.rule, message: problem.message }));
}

function named(kind: NameKind, name: string, rule: Rule, message: string): NamedProblem {
  return { kind, name, rule, message };
}

/**
 * In JMESPath a dash is a minus sign, so `steps.read-stack.outputs` reads step "read" minus
 * `stack.outputs`. Maps each such fragment to the dashed id the author meant.
 */
function dashedStepIds(referenced: Iterable<string>, scope: Visibility): Map<string, string> {
  const ids = [...scope.earlier, ...scope.later, ...(scope.self ? [scope.self] : [])];
  const meant = new Map<string, string>();
  for (const fragment of referenced) {
    const id = ids.find((candidate) => candidate.startsWith(`${fragment}-`));
    if (id && !ids.includes(fragment)) meant.set(fragment, id);
  }
  return meant;
}

function rootProblems(expression: string, roots: Iterable<string>, scope: Visibility, dashed: Map<string, string>): NamedProblem[] {
  const dashedTails = new Set([...dashed.values()].flatMap((id) => id.split('-').slice(1)));
  return [...roots].flatMap((root) => {
    if (root === 'item') return scope.hasItem ? [] : [named('root', root, 'item-outside-for-each', '"item" is only defined in a step with forEach')];
    if ((SCOPE_ROOTS as readonly string[]).includes(root) || HARMLESS_ROOTS.includes(root) || dashedTails.has(root)) return [];
    return [named('root', root, 'unknown-name', unknownRoot(expression, root))];
  });
}

/** Names that are not the scope's are mostly literals written the way other languages write them. */
function unknownRoot(expression: string, root: string): string {
  if (BARE_BOOLEANS.includes(root)) return `a bare ${root} is a field name in JMESPath, always null; the value ${root} is written \`${root}\``;
  if (isQuotedName(expression, root)) return `"${root}" in double quotes is a field name in JMESPath; text is written in single quotes: '${root}'`;
  return `unknown name "${root}": an expression starts with ${SCOPE_ROOTS.join(', ')}${didYouMean(root, SCOPE_ROOTS)}`;
}

function stepProblem(id: string, scope: Visibility, dashed: Map<string, string>): NamedProblem[] {
  const meant = dashed.get(id);
  if (meant) return [named('step', id, 'step-reference', `a step id with a dash must be quoted in an expression: steps."${meant}"`)];
  if (scope.earlier.includes(id)) return [];
  if (id === scope.self) return [named('step', id, 'step-reference', `step "${id}" cannot read its own outputs`)];
  if (scope.later.includes(id)) return [named('step', id, 'step-reference', `step "${id}" runs later, so its outputs do not exist yet`)];
  return [named('step', id, 'step-reference', `unknown step "${id}"${didYouMean(id, [...scope.earlier, ...scope.later])}`)];
}
