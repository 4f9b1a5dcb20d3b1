import { formatDuration } from '../duration.js';
import type { JsonObject } from '../json.js';
import type { RunSummary, StepTimeline } from '../state/summarize-run.js';
import { describeWaiting } from './describe-waiting.js';
import { codeBlock, inlineCode, plainText } from './markdown.js';
import { parameterSection } from './parameter-section.js';
import { runTook } from './run-took.js';

/** A recorded run as a Markdown page for a change ticket: what each step did. Its values come from the journal, redacted. */
export function renderRunPage(summary: RunSummary, params: JsonObject, secretParams: string[]): string {
  const took = runTook(summary);
  const lines = [
    `# Run ${plainText(summary.runId)}: ${plainText(summary.runbook)} ${plainText(summary.version)}`,
    '',
    `**${plainText(summary.status)}**${took}. Started ${plainText(summary.startedAt)} by ${plainText(summary.user)} on ${plainText(summary.host)}, runbook file ${inlineCode(summary.path)}.`,
    '',
    ...(summary.plan ? [`Applies the reviewed plan ${inlineCode(summary.plan.path)}, made by ${plainText(summary.plan.madeBy)} at ${plainText(summary.plan.madeAt)} (SHA-256 ${inlineCode(summary.plan.sha256)}).`, ''] : []),
    ...parameterSection(params, secretParams),
    '',
    '## Steps',
    '',
  ];
  for (const [index, step] of summary.steps.entries()) lines.push(...stepSection(index + 1, step));
  lines.push(...approvalSection(summary));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Who decided at the run's approvals, when, and why: what a change ticket must show. */
function approvalSection(summary: RunSummary): string[] {
  const waiting = summary.waitingFor;
  if (summary.approvals.length === 0 && !waiting) return [];
  const lines = ['## Approvals', ''];
  if (summary.approvals.length > 0) {
    lines.push('| Step | Decision | By | At | Reason |', '| --- | --- | --- | --- | --- |');
    for (const d of summary.approvals) {
      const step = d.item === undefined ? d.stepId : `${d.stepId}[${d.item}]`;
      lines.push(`| ${inlineCode(step)} | ${d.decision === 'approve' ? 'approved' : 'rejected'} | ${plainText(d.by)} | ${plainText(d.decidedAt)} | ${plainText(d.reason ?? '')} |`);
    }
    lines.push('');
  }
  if (waiting) {
    const [standing = '', ...next] = describeWaiting(waiting);
    lines.push(`${plainText(standing.charAt(0).toUpperCase() + standing.slice(1))}.`, '');
    for (const line of next) {
      const split = line.indexOf(': ');
      lines.push(`${plainText(line.charAt(0).toUpperCase() + line.slice(1, split))}:`, '', ...codeBlock(line.slice(split + 2)), '');
    }
  }
  return lines;
}

function stepSection(number: number, step: StepTimeline): string[] {
  const facts = [formatDuration(step.durationMs)];
  if (step.items !== undefined) facts.push(`${step.items} item${step.items === 1 ? '' : 's'}`);
  if (step.attempts > 1) facts.push(`${step.attempts} attempts`);
  const lines = [`### ${number}. ${inlineCode(step.id)}: ${plainText(step.status)}`, '', `${facts.join(', ')}.`, ''];
  if (step.skipReason !== undefined) lines.push(`Skipped: ${plainText(step.skipReason)}`, '');
  if (step.outputs !== null && JSON.stringify(step.outputs) !== '{}') lines.push('Outputs:', '', ...codeBlock(JSON.stringify(step.outputs, null, 2), 'json'), '');
  if (step.error) {
    lines.push(`Error (${inlineCode(step.error.code)}): ${plainText(step.error.message)}`, '');
    if (step.error.details) lines.push(...codeBlock(step.error.details), '');
  }
  return lines;
}
