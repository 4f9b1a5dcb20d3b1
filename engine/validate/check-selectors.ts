import { compileExpression, ExpressionSyntaxError } from '../expressions/compile-expression.js';
import { hasExpression } from '../expressions/template.js';
import { isJsonObject } from '../json.js';
import { stepsOf } from './check-steps.js';
import type { Report } from './report.js';

/** Each step's `outputs:` selectors and `retry.until` are bare JMESPath over its result, and parse. */
export function checkOutputSelectors(document: unknown, report: Report): void {
  for (const { step, index } of stepsOf(document)) {
    if (isJsonObject(step.retry) && typeof step.retry.until === 'string') checkSelector('retry.until', step.retry.until, ['steps', index, 'retry', 'until'], report);
    if (!isJsonObject(step.outputs)) continue;
    for (const [name, spec] of Object.entries(step.outputs)) {
      const selector = typeof spec === 'string' ? spec : isJsonObject(spec) && typeof spec.from === 'string' ? spec.from : undefined;
      const at = typeof spec === 'string' ? ['steps', index, 'outputs', name] : ['steps', index, 'outputs', name, 'from'];
      if (selector !== undefined) checkSelector(`output "${name}"`, selector, at, report);
    }
  }
}

/** `what` names the selector in a message: `output "stacks"`, or `retry.until`. */
function checkSelector(what: string, selector: string, at: (string | number)[], report: Report): void {
  // the document schema already refuses an empty selector
  if (selector === '') return;
  if (hasExpression(selector)) {
    report.inString(at, selector.indexOf('${{'), 'selector-syntax', `${what} is a bare JMESPath selector over the step's result: write it without \${{ }}`);
    return;
  }
  try {
    compileExpression(selector);
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    report.inString(at, error.offset, 'selector-syntax', `invalid selector for ${what}: ${error.message}`);
  }
}
