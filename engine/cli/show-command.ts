import type { StateCliOptions } from './cli-options.js';
import { formatDuration } from '../duration.js';
import { builtInStateCatalog } from './builtins.js';
import { openState } from './open-state.js';
import { wantsMarkdown, type OutputFormat } from './output-format.js';
import { renderRunPage } from '../report/run-page.js';
import { summarizeRun, type RunSummary } from '../state/summarize-run.js';
import { describeWaiting } from '../report/describe-waiting.js';
import { runTook } from '../report/run-took.js';
import { resumeCommandLine } from './resume-command-line.js';

export async function showCommand(runId: string, options: StateCliOptions & { json?: boolean; format?: OutputFormat }): Promise<void> {
  const markdown = wantsMarkdown(options);
  const state = await openState(options, builtInStateCatalog(), process.env, process.cwd(), { existing: true });
  const { backend } = state;
  const [run, locked, decisions] = await Promise.all([backend.open(runId), backend.isLocked(runId), backend.decisions(runId)]);
  const summary = summarizeRun(run, locked, decisions, resumeCommandLine(runId, state.arguments));
  if (markdown) {
    process.stdout.write(renderRunPage(summary, run.record.params, run.record.secretParams));
    return;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const took = runTook(summary);
  process.stdout.write(`run ${summary.runId}: ${summary.status}${took}\n`);
  process.stdout.write(`runbook ${summary.runbook} ${summary.version} (${summary.path})\n`);
  process.stdout.write(`started ${summary.startedAt} by ${summary.user} on ${summary.host}\n`);
  if (summary.plan) process.stdout.write(`applies the reviewed plan ${summary.plan.path} (made by ${summary.plan.madeBy} at ${summary.plan.madeAt}, sha256 ${summary.plan.sha256})\n`);
  process.stdout.write('\n');
  for (const step of summary.steps) {
    const items = step.items === undefined ? '' : `, ${step.items} item${step.items === 1 ? '' : 's'}`;
    const attempts = step.attempts > 1 ? `, ${step.attempts} attempts` : '';
    process.stdout.write(`  ${step.status.padEnd(11)} ${step.id} (${formatDuration(step.durationMs)}${items}${attempts})\n`);
    if (step.outputs !== null && JSON.stringify(step.outputs) !== '{}') process.stdout.write(`              outputs: ${JSON.stringify(step.outputs)}\n`);
    if (step.skipReason !== undefined) process.stdout.write(`              reason: ${step.skipReason}\n`);
    if (step.error) process.stdout.write(`              error: ${step.error.message}\n`);
  }
  writeApprovals(summary);
}

function writeApprovals(summary: RunSummary): void {
  if (summary.approvals.length > 0) {
    process.stdout.write('\napprovals:\n');
    for (const d of summary.approvals) {
      const item = d.item === undefined ? '' : `[${d.item}]`;
      const reason = d.reason === undefined ? '' : `: ${d.reason}`;
      process.stdout.write(`  ${d.decidedAt}  ${d.stepId}${item}  ${d.decision === 'approve' ? 'approved' : 'rejected'} by ${d.by}${reason}\n`);
    }
  }
  if (summary.waitingFor) process.stdout.write(`\n${describeWaiting(summary.waitingFor).join('\n  ')}\n`);
}
