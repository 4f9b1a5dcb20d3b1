import { compileExpression, ExpressionSyntaxError } from '../expressions/compile-expression.js';
import { hasExpression } from '../expressions/template.js';
import { isJsonObject } from '../json.js';
import { stepsOf } from './check-steps.js';
import type { Report } from './report.js';

/** Each step's `outputs:` selectors are bare JMESPath over its result, and parse. */
export function checkOutputSelectors(document: unknown, report: Report): void {
  for (const { step, index } of stepsOf(document)) {
    if (!isJsonObject(step.outputs)) continue;
    for (const [name, spec] of Object.entries(step.outputs)) {
      const selector = typeof spec === 'string' ? spec : isJsonObject(spec) && typeof spec.from === 'string' ? spec.from : undefined;
      const at = typeof spec === 'string' ? ['steps', index, 'outputs', name] : ['steps', index, 'outputs', name, 'from'];
      if (selector !== undefined) checkSelector(name, selector, at, report);
    }
  }
}

function checkSelector(name: string, selector: string, at: (string | number)[], report: Report): void {
  // the document schema already refuses an empty selector
  if (selector === '') return;
  if (hasExpression(selector)) {
    report.inString(at, selector.indexOf('${{'), `output "${name}" is a bare JMESPath selector over the step's result: write it without \${{ }}`);
    return;
  }
  try {
    compileExpression(selector);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    report.inString(at, error.offset, `invalid selector for output "${name}": ${error.message}`);
  }
}
