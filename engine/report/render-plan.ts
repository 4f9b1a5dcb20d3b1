import type { RunEvent } from '../execute/events.js';
import type { Plan } from '../step-definition.js';
import type { Painter } from './paint.js';

type PlannedEvent = Extract<RunEvent, { type: 'step-planned' }>;

/** A dry-run's line for a step that did not run: what it would do, or what it waits for. */
export function renderPlan(event: PlannedEvent, p: Painter): string {
  const label = event.item === undefined ? event.stepId : `${event.stepId}[${event.item}]`;
  switch (event.status) {
    case 'depends':
      return `  ${p.dim(`⋯ ${label}: depends on ${(event.dependsOn ?? []).join(', ')}`)}`;
    case 'satisfied':
      return `  ${p.green('=')} ${label}: already in place, nothing to do`;
    case 'would-ask':
      return `  ${p.cyan('?')} ${label}: ${planSummary(event.plan)}`;
    case 'planned': {
      const details = typeof event.plan === 'object' && event.plan.details ? `\n${indentBlock(event.plan.details)}` : '';
      return `  ${p.cyan('◇')} ${label} ${p.cyan('(would change)')}: ${planSummary(event.plan)}${details}`;
    }
  }
}

function planSummary(plan: Plan | undefined): string {
  if (plan === undefined) return '';
  return typeof plan === 'string' ? plan : plan.summary;
}

function indentBlock(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}
