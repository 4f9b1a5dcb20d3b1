import { compileExpression } from '../expressions/compile-expression.js';
import { findReferences } from '../expressions/references.js';
import { hasExpression, parseTemplate } from '../expressions/template.js';
import { isJsonObject, type JsonValue } from '../json.js';
import type { StepRegistry } from '../registry.js';
import type { Runbook, StepSpec } from './runbook.js';

/** A runbook as a Markdown page: what it is for, what it takes, and each step. */
export async function renderRunbookDocs(runbook: Runbook, registry: StepRegistry): Promise<string> {
  const lines = [`# ${runbook.name} ${runbook.version}`, ''];
  if (runbook.description) lines.push(runbook.description.trim(), '');
  if (runbook.requires?.stepwise) lines.push(`Requires stepwise ${runbook.requires.stepwise}.`, '');
  lines.push('## Parameters', '');
  const params = Object.entries(runbook.params ?? {});
  if (params.length === 0) lines.push('None.', '');
  else {
    lines.push('| name | type | required | default | description |', '| --- | --- | --- | --- | --- |');
    for (const [name, spec] of params) {
      const required = spec.required ?? spec.default === undefined;
      const defaultText = spec.default === undefined ? '' : `\`${JSON.stringify(spec.default)}\``;
      lines.push(`| \`${name}\` | ${spec.type ?? 'string'}${spec.secret ? ' (secret)' : ''} | ${required ? 'yes' : 'no'} | ${defaultText} | ${cell(spec.description ?? '')} |`);
    }
    lines.push('');
  }
  lines.push('## Steps', '');
  for (const [index, step] of runbook.steps.entries()) lines.push(...(await renderStep(index + 1, step, registry)), '');
  if (runbook.outputs) {
    lines.push('## Outputs', '', ...Object.keys(runbook.outputs).map((name) => `- \`${name}\``), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

async function renderStep(number: number, step: StepSpec, registry: StepRegistry): Promise<string[]> {
  const definition = registry.has(step.type) ? await registry.load(step.type) : undefined;
  const effect = definition === undefined ? 'unknown' : typeof definition.effect === 'function' ? definition.effect((step.with ?? {}) as never) : definition.effect;
  const lines = [`### ${number}. ${step.name ?? step.id}`, '', `\`${step.id}\` · \`${step.type}\` · ${effectText(effect)}`, ''];
  if (step.description) lines.push(step.description.trim(), '');
  const needs = needsOf(step);
  if (needs.length > 0) lines.push(`Needs: ${needs.join(', ')}.`);
  if (step.if !== undefined) lines.push(`Runs only if \`${String(step.if)}\`.`);
  if (step.forEach !== undefined) lines.push(`Runs once for each item of \`${JSON.stringify(step.forEach)}\`.`);
  return lines;
}

function effectText(effect: string): string {
  if (effect === 'read') return 'reads only';
  if (effect === 'write') return '**changes things**';
  if (effect === 'interactive') return 'asks the operator';
  return effect;
}

function needsOf(step: StepSpec): string[] {
  const found = new Set<string>();
  collect([step.with ?? null, step.if ?? null, step.forEach ?? null] as JsonValue, found);
  return [...found].sort();
}

function collect(value: JsonValue, found: Set<string>): void {
  if (typeof value === 'string' && hasExpression(value)) {
    for (const part of parseTemplate(value)) {
      if (!('expression' in part)) continue;
      const refs = findReferences(compileExpression(part.expression));
      for (const param of refs.params) found.add(`param \`${param}\``);
      for (const step of refs.steps) found.add(`step \`${step}\``);
    }
  } else if (Array.isArray(value)) value.forEach((item) => collect(item, found));
  else if (isJsonObject(value)) Object.values(value).forEach((item) => collect(item, found));
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
