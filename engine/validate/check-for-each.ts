import { parseTemplate, TemplateError, wholeExpression } from '../expressions/template.js';
import { isJsonObject } from '../json.js';
import { stepsOf } from './check-steps.js';
import type { Report } from './report.js';

const PARAM_PATH = /^params\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** forEach needs a list: a param declared as something else can never be one. */
export function checkForEachLists(document: unknown, report: Report): void {
  if (!isJsonObject(document)) return;
  for (const { step, index } of stepsOf(document)) {
    const param = typeof step.forEach === 'string' ? paramRead(step.forEach) : undefined;
    const spec = param && isJsonObject(document.params) ? document.params[param] : undefined;
    if (isJsonObject(spec) && typeof spec.type === 'string' && spec.type !== 'array') {
      report.at(['steps', index, 'forEach'], 'for-each-not-list', `forEach needs a list, but param "${param}" is declared as ${spec.type}; declare it with type: array`);
    }
  }
}

/** The param a value reads when it is exactly `${{ params.<name> }}`. */
function paramRead(value: string): string | undefined {
  try {
    return PARAM_PATH.exec(wholeExpression(parseTemplate(value)) ?? '')?.[1];
  } catch (error) {
    // an unclosed `${{` is reported with the other expressions
    if (error instanceof TemplateError) return undefined;
    throw error;
  }
}
