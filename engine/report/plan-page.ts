import type { RunEvent, RunStatus } from '../execute/events.js';
import type { StepResult } from '../execute/run-result.js';
import type { JsonObject, JsonValue } from '../json.js';
import { codeBlock, inlineCode, plainText } from './markdown.js';
import { parameterSection } from './parameter-section.js';
import { resourceChangeTable, resourceChangesOf } from './resource-changes.js';

export type PlannedEvent = Extract<RunEvent, { type: 'step-planned' }>;
export type SkippedEvent = Extract<RunEvent, { type: 'step-skipped' }>;

/** What a dry-run saw, already redacted: the page shows it as it is. */
export interface PlanPageInput {
  runbook: { name: string; version: string; file: string };
  /** The values of the params that are not secret. */
  params: JsonObject;
  secretParams: string[];
  status: RunStatus;
  steps: StepResult[];
  events: (PlannedEvent | SkippedEvent)[];
  failure?: { stepId: string; message: string };
}

/** A dry-run as a Markdown page for a pull request or a change ticket: what each step would do. */
export function renderPlanPage(input: PlanPageInput): string {
  const { runbook } = input;
  const lines = [`# Plan: ${plainText(runbook.name)} ${plainText(runbook.version)}`, ''];
  lines.push(`Runbook file ${inlineCode(runbook.file)}. A dry-run: nothing was changed.`, '');
  if (input.failure) lines.push(`**The plan stopped** at ${inlineCode(input.failure.stepId)}: ${plainText(input.failure.message)}`, '');
  lines.push(...parameterSection(input.params, input.secretParams), '', '## Steps', '');
  for (const [index, step] of input.steps.entries()) lines.push(...stepSection(index + 1, step, input.events.filter((event) => event.stepId === step.id)));
  return `${lines.join('\n').trimEnd()}\n`;
}

function stepSection(number: number, step: StepResult, events: (PlannedEvent | SkippedEvent)[]): string[] {
  const lines = [`### ${number}. ${inlineCode(step.id)} (${plainText(step.type)}): ${verdict(step)}`, ''];
  if (step.title !== step.id) lines.push(plainText(step.title), '');
  for (const event of events) lines.push(...(event.type === 'step-skipped' ? [`Skipped: ${plainText(event.reason)}`, ''] : planLines(event)));
  // folded: a read's outputs (every stack of a region) would bury the changes a reviewer is there for
  if (step.status === 'succeeded' && step.outputs !== null && JSON.stringify(step.outputs) !== '{}') {
    lines.push('<details><summary>What it read</summary>', '', ...codeBlock(JSON.stringify(step.outputs, null, 2), 'json'), '', '</details>', '');
  }
  if (step.error) lines.push(`Failed: ${plainText(step.error.message)}`, '');
  return lines;
}

function verdict(step: StepResult): string {
  switch (step.status) {
    case 'planned':
      return 'would change';
    case 'satisfied':
      return 'already in place';
    case 'depends':
      return 'depends on earlier changes';
    case 'would-ask':
      return 'needs a decision';
    case 'succeeded':
      return 'read';
    case 'not-run':
      return 'not reached';
    default:
      return step.status;
  }
}

function planLines(event: PlannedEvent): string[] {
  const item = event.item === undefined ? '' : `Item ${event.item}: `;
  const lines: string[] = [];
  if (event.status === 'depends') {
    lines.push(`${item}${item ? 'depends' : 'Depends'} on ${(event.dependsOn ?? []).map(inlineCode).join(', ')}; its input is known once they have run.`, '');
  } else {
    lines.push(`${item}${plainText(summaryOf(event.plan))}`, '');
  }
  if (typeof event.plan === 'object' && event.plan.details) lines.push(...codeBlock(event.plan.details), '');
  const changes = resourceChangesOf(event.plan);
  if (changes.length > 0) lines.push(...resourceChangeTable(changes), '');
  if (event.status === 'planned' && event.item !== undefined) lines.push(...inputBlock(event.input));
  return lines;
}

/** A forEach item's input tells the items apart. */
function inputBlock(input: JsonValue): string[] {
  return input === null ? [] : [...codeBlock(JSON.stringify(input, null, 2), 'json'), ''];
}

function summaryOf(plan: PlannedEvent['plan']): string {
  if (plan === undefined) return '';
  return typeof plan === 'string' ? plan : plan.summary;
}
