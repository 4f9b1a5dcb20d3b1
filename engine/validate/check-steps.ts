import { isJsonObject, type JsonObject } from '../json.js';
import type { StepRegistry } from '../registry.js';
import { compileSchema, type ErrorObject } from './ajv.js';
import { actionableErrors, describeSchemaError, show } from './describe-schema-error.js';
import { stepLabel } from './describe-path.js';
import { closestName, didYouMean } from './did-you-mean.js';
import type { Report } from './report.js';
import { findExpressions, hasExpression } from '../expressions/template.js';
import type { StepDefinition } from '../step-definition.js';
import { STEP_FIELDS } from '../document/runbook-schema.js';
import type { DocPath } from '../load/source-map.js';

/** The steps that are mappings, with their index: the schema has already reported the rest. */
export function stepsOf(document: unknown): { step: JsonObject; index: number }[] {
  if (!isJsonObject(document) || !Array.isArray(document.steps)) return [];
  return document.steps.flatMap((step, index) => (isJsonObject(step) ? [{ step, index }] : []));
}

export function checkUniqueIds(document: unknown, report: Report): void {
  const firstIndex = new Map<string, number>();
  for (const { step, index } of stepsOf(document)) {
    if (typeof step.id !== 'string') continue;
    const earlier = firstIndex.get(step.id);
    if (earlier === undefined) firstIndex.set(step.id, index);
    else report.at(['steps', index, 'id'], 'duplicate-step-id', `duplicate step id "${step.id}": step ${earlier + 1} already uses it; ids must be unique`);
  }
}

/** `skipReason` explains a false `if`: without one, it would never be said. */
export function checkSkipReasons(document: unknown, report: Report): void {
  for (const { step, index } of stepsOf(document)) {
    if (step.skipReason === undefined || step.if !== undefined) continue;
    report.at(['steps', index, 'skipReason'], 'skip-reason-without-if', `"skipReason" of ${stepLabel(document, index)} says why the step is skipped, but the step has no "if": it always runs; add the "if" it explains, or remove "skipReason"`, true);
  }
}

/** Each step's type exists and its `with` passes the type's own input schema. */
export async function checkStepInputs(document: unknown, registry: StepRegistry, report: Report): Promise<void> {
  for (const { step, index } of stepsOf(document)) {
    if (typeof step.type !== 'string') continue;
    if (!registry.has(step.type)) {
      report.at(['steps', index, 'type'], 'unknown-step-type', `unknown step type ${show(step.type)}${didYouMean(step.type, registry.types()) || '; `stepwise steps` lists the step types'}`);
      continue;
    }
    if (step.with === undefined && misspellsWith(step)) continue;
    const definition = await registry.load(step.type);
    const input = step.with ?? {};
    if (!isJsonObject(input)) continue;
    const validate = compileSchema(definition.input);
    const label = stepLabel(document, index);
    const subject = (path: DocPath) => (path.length === 0 ? `"with" of ${label} (${step.type})` : `"with.${path.join('.')}" of ${label}`);
    const before = report.errorCount;
    for (const error of validate(input) ? [] : actionableErrors(validate.errors ?? [])) {
      if ((typeof error.data === 'string' && hasExpression(error.data)) || decidedAtRunTime(error)) continue;
      const problem = describeSchemaError(error, subject, (path) => report.written(['steps', index, 'with', ...path]));
      const at = step.with === undefined ? ['steps', index, 'type'] : ['steps', index, 'with', ...problem.path];
      report.at(at, problem.rule, problem.message, problem.atKey);
    }
    // a step type's own checks may trust the shape its schema promised
    if (report.errorCount === before) checkInputStatically(definition, input, index, subject, report);
  }
}

/** What the step type refuses in `with` whatever the run's values (`checkInput`), located in it. */
function checkInputStatically(definition: StepDefinition, input: JsonObject, index: number, subject: (path: DocPath) => string, report: Report): void {
  if (!definition.checkInput) return;
  let problems;
  try {
    problems = definition.checkInput(input, { expressions: findExpressions });
  } catch (error) {
    // a plugin's bug, reported where the author looks, rather than as stepwise's internal error
    report.at(['steps', index, 'type'], 'step-check-crashed', `step type "${definition.type}" failed to check its input: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  for (const problem of problems) {
    const at = ['steps', index, 'with', ...problem.path];
    const message = `${subject(problem.path)}: ${problem.message}`;
    if (problem.offset === undefined) report.at(at, 'step-input', message);
    else report.inString(at, problem.offset, 'step-input', message);
  }
}

/**
 * A key whose value is an expression may come out null, which counts as not given: which branch
 * of a `oneOf` such as "endpoint or proxyPort" the input fits is known only when it runs.
 */
function decidedAtRunTime(error: ErrorObject): boolean {
  const severalFit = error.keyword === 'oneOf' && Array.isArray((error.params as { passingSchemas?: unknown }).passingSchemas);
  if (!severalFit || !isJsonObject(error.data)) return false;
  const input = error.data;
  const branches = (Array.isArray(error.schema) ? error.schema : []) as { required?: string[] }[];
  return branches.flatMap((branch) => branch.required ?? []).some((key) => typeof input[key] === 'string' && hasExpression(input[key]));
}

/** `wiht:` is reported as an unknown key; its input would only repeat that as missing fields. */
function misspellsWith(step: JsonObject): boolean {
  return Object.keys(step).some((key) => !(STEP_FIELDS as readonly string[]).includes(key) && closestName(key, STEP_FIELDS) === 'with');
}
