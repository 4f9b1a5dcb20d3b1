import type { PlannedWrite } from '../execute/plan-review.js';
import type { PlannedStep } from './plan-file.js';
import { writeLabel } from './plan-recorder.js';
import { valueDifferences } from './value-differences.js';

/**
 * What a run would do now that the reviewed plan did not say, step by step, one line each: a
 * step decided otherwise (`if`, forEach items), a write that would get other input, that
 * appeared, went, or is now found in place (or no longer).
 */
export function stepDifferences(reviewed: readonly PlannedStep[], now: readonly PlannedStep[]): string[] {
  const nowById = new Map(now.map((step) => [step.id, step]));
  const reviewedIds = new Set(reviewed.map((step) => step.id));
  const lines: string[] = [];
  for (const step of reviewed) {
    const current = nowById.get(step.id);
    if (!current) lines.push(`step "${step.id}": the plan ${decisionText(step)}; now it is not reached`);
    else lines.push(...decisionDifferences(step, current), ...writeDifferences(step, current));
  }
  for (const step of now.filter((step) => !reviewedIds.has(step.id))) lines.push(`step "${step.id}": not in the plan; now it ${nowText(step)}`);
  return lines;
}

function decisionText(step: PlannedStep): string {
  switch (step.decision) {
    case 'ran':
      return 'ran it';
    case 'skipped':
      return 'skipped it (its if was false)';
    default:
      return `left it depending on ${step.dependsOn.join(', ')}`;
  }
}

function decisionDifferences(reviewed: PlannedStep, now: PlannedStep): string[] {
  if (reviewed.decision !== now.decision) return [`step "${reviewed.id}": the plan ${decisionText(reviewed)}; now it ${nowText(now)}`];
  if (reviewed.decision !== 'ran' || now.decision !== 'ran') return [];
  const before = reviewed.items ?? [];
  const after = now.items ?? [];
  const added = after.filter((key) => !before.includes(key));
  const removed = before.filter((key) => !after.includes(key));
  const lines: string[] = [];
  if (added.length) lines.push(`step "${reviewed.id}": forEach items not in the plan: ${added.join(', ')}`);
  if (removed.length) lines.push(`step "${reviewed.id}": forEach items no longer in the list: ${removed.join(', ')}`);
  if (!added.length && !removed.length && before.join('\n') !== after.join('\n')) lines.push(`step "${reviewed.id}": its forEach items come in another order: ${after.join(', ')}, was ${before.join(', ')}`);
  return lines;
}

function nowText(step: PlannedStep): string {
  switch (step.decision) {
    case 'ran':
      return 'runs';
    case 'skipped':
      return 'is skipped (its if is false)';
    default:
      return `depends on ${step.dependsOn.join(', ')}`;
  }
}

function writeDifferences(reviewed: PlannedStep, now: PlannedStep): string[] {
  const before = new Map((reviewed.writes ?? []).map((write) => [write.itemKey, write]));
  const after = new Map((now.writes ?? []).map((write) => [write.itemKey, write]));
  const lines: string[] = [];
  for (const [key, write] of before) {
    const label = writeLabel(reviewed.id, key);
    const current = after.get(key);
    if (!current) lines.push(`${label}: the plan would ${statusText(write)}; now it does nothing`);
    else if (current.status !== write.status) lines.push(`${label}: the plan would ${statusText(write)}; now it would ${statusText(current)}`);
    else lines.push(...valueDifferences(write.input, current.input, 'with').map((line) => `${label}: other input: ${line}`));
  }
  for (const [key, write] of after) if (!before.has(key)) lines.push(`${writeLabel(reviewed.id, key)}: not in the plan; now it would ${statusText(write)}`);
  return lines;
}

function statusText(write: PlannedWrite): string {
  switch (write.status) {
    case 'planned':
      return 'change something';
    case 'satisfied':
      return 'find it in place (nothing to do)';
    default:
      return 'change something once an earlier step has run';
  }
}
