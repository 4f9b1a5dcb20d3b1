import type { StepSpec } from '../document/runbook.js';
import { evaluateExpression, resolveValue, type Scope } from '../expressions/evaluate.js';
import { parseTemplate, wholeExpression } from '../expressions/template.js';
import { Unknown } from '../expressions/unknown.js';
import type { JsonValue } from '../json.js';

/** A path such as `steps.compute.outputs.production` or `params."dry-run"`, maybe negated. */
const PATH = /^(!\s*)?((?:[A-Za-z_]\w*|"[^"]*")(?:\.(?:[A-Za-z_]\w*|"[^"]*"))*)$/;

/**
 * Why a step whose `if` came out false does not run, in words: the runbook's own `skipReason`,
 * else the condition without `${{ }}` and with the value that decided it
 * (`steps.compute.outputs.production is true`).
 */
export function explainSkip(step: StepSpec, scope: Scope): string {
  const told = step.skipReason === undefined ? undefined : ownReason(step.skipReason, scope);
  return told ?? describeFalseCondition(step.if, scope);
}

/** The runbook's words; a value a dry-run cannot know yet leaves the condition to speak. */
function ownReason(reason: string, scope: Scope): string | undefined {
  const text = resolveValue(reason, scope);
  if (text instanceof Unknown || text === null) return undefined;
  return typeof text === 'string' ? text : JSON.stringify(text);
}

function describeFalseCondition(condition: boolean | string | undefined, scope: Scope): string {
  if (typeof condition !== 'string') return 'if: false';
  const expression = wholeExpression(parseTemplate(condition));
  if (expression === undefined) return `if: "${condition}" is false`;
  const path = PATH.exec(expression);
  if (!path) return `${expression} is false`;
  const value = evaluateExpression(path[2]!, scope);
  return `${path[2]} ${value instanceof Unknown ? 'is not known yet' : describeValue(value as JsonValue)}`;
}

function describeValue(value: JsonValue): string {
  if (value === null) return 'is not set';
  if (value === '') return 'is empty';
  if (Array.isArray(value)) return value.length === 0 ? 'is an empty list' : `is ${JSON.stringify(value)}`;
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'is empty' : 'is set';
  return `is ${JSON.stringify(value)}`;
}
