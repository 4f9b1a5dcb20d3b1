import path from 'node:path';
import type { ParamSpec, Runbook } from '../document/runbook.js';
import { UsageError } from '../exit-codes.js';
import { hasExpression } from '../expressions/template.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../json.js';
import type { DocPath } from '../load/source-map.js';
import { isRequired } from '../params/param-schema.js';
import { resolveParamValues } from '../params/resolve-params.js';
import type { StepRegistry } from '../registry.js';
import { includedRunbooks, type IncludedRunbook } from '../step-definition.js';
import { stepsOf } from './check-steps.js';
import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import type { Report } from './report.js';

/** What checking a runbook a step runs tells its parent: its problems and, when valid, the document. */
export type ValidateChild = (
  file: string,
  registry: StepRegistry,
  stack: readonly string[],
) => Promise<{ ok: true; runbook: Runbook; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] }>;

/**
 * Runbooks that steps run are validated with their parent, errors located in their own files;
 * a runbook that would end up running itself is refused, and so is a path that only a run
 * could know. The params a step passes are checked against those the runbook declares.
 * `validateChild` is validate-runbook's own entry, handed in: a runbook's children are validated like it.
 */
export async function checkIncludes(document: unknown, file: string, registry: StepRegistry, report: Report, stack: readonly string[], validateChild: ValidateChild): Promise<Diagnostic[]> {
  const childDiagnostics: Diagnostic[] = [];
  for (const { step, index } of stepsOf(document)) {
    const input = step.with ?? {};
    if (typeof step.type !== 'string' || !registry.has(step.type) || !isJsonObject(input)) continue;
    const definition = await registry.load(step.type);
    for (const included of includedRunbooks(definition, input)) {
      const at = ['steps', index, 'with', 'path'];
      if (hasExpression(included.path)) {
        report.at(at, 'runbook-path-expression', `the runbook a step runs is written out, not computed by \${{ }}: validate checks it, the run's hash covers it and a cycle is refused before anything runs; choose between runbooks with two steps and \`if\``);
        continue;
      }
      const child = path.resolve(path.dirname(path.resolve(file)), included.path);
      if (stack.includes(child)) {
        report.at(at, 'runbook-cycle', `runbook cycle: ${[...stack, child].map((f) => path.relative(process.cwd(), f) || f).join(' → ')}`);
        continue;
      }
      const result = await validateChild(child, registry.base(), [...stack, child]);
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) report.at(at, 'sub-runbook-invalid', `runbook ${included.path} has ${errors} problem${errors === 1 ? '' : 's'} (listed with its own file)`);
      else if (result.ok) checkPassedParams(included, result.runbook, ['steps', index, 'with'], report);
      childDiagnostics.push(...result.diagnostics);
    }
  }
  return childDiagnostics;
}

/**
 * What the run would refuse whatever the values: a name the runbook does not declare, a
 * required one left out, a value written out that its schema refuses.
 */
function checkPassedParams(included: IncludedRunbook, runbook: Runbook, withAt: DocPath, report: Report): void {
  if (included.params === undefined) return;
  const declared = runbook.params ?? {};
  const names = Object.keys(declared);
  const paramsAt = [...withAt, ...(included.paramsAt ?? [])];
  for (const [name, value] of Object.entries(included.params)) {
    const spec = declared[name];
    if (spec === undefined) {
      const takes = names.length > 0 ? `; it takes: ${names.join(', ')}` : '; it takes no parameters';
      report.at([...paramsAt, name], 'sub-runbook-params', `runbook ${included.path} has no parameter "${name}"${didYouMean(name, names) || takes}`, true);
    } else if (!holdsExpression(value)) {
      refusedValue(name, value, spec).forEach((problem) => report.at([...paramsAt, name], 'sub-runbook-params', `runbook ${included.path}: ${problem}`));
    }
  }
  const missing = names.filter((name) => included.params![name] === undefined && isRequired(declared[name] as JsonObject));
  if (missing.length > 0) {
    const at = Object.keys(included.params).length > 0 || included.paramsAt === undefined ? paramsAt : [...withAt, 'path'];
    report.at(at, 'sub-runbook-params', `runbook ${included.path} needs ${missing.map((name) => `"${name}"`).join(', ')} among its params`);
  }
}

function refusedValue(name: string, value: JsonValue, spec: ParamSpec): string[] {
  try {
    resolveParamValues({ [name]: spec }, { [name]: value });
    return [];
  } catch (error) {
    if (error instanceof UsageError) return error.details;
    throw error;
  }
}

function holdsExpression(value: JsonValue): boolean {
  if (typeof value === 'string') return hasExpression(value);
  if (Array.isArray(value)) return value.some(holdsExpression);
  return isJsonObject(value) && Object.values(value).some(holdsExpression);
}
