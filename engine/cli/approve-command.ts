import { describeApprovers, isApprover, tally } from '../approval/approvers.js';
import { decisionsAt, type Decision } from '../approval/decision.js';
import { pendingApproval, stoppedWaiting, type PendingApproval } from '../approval/pending-approval.js';
import { UsageError } from '../exit-codes.js';
import { replayJournal } from '../state/replay.js';
import type { StoredRun } from '../state/state-backend.js';
import type { ApproveCliOptions } from './cli-options.js';
import type { Identity } from '../approval/who-is-running.js';
import { builtInIdentity, builtInStateCatalog } from './builtins.js';
import { openState } from './open-state.js';
import { resumeCommandLine } from './resume-command-line.js';

/**
 * `stepwise approve RUN_ID`: records this person's decision in the run's state, where the
 * waiting run (or a later resume) finds it. Refuses, changing nothing, what the run's approval
 * would not count: a run that waits for no approval, or at another step; someone who is not an
 * approver, or the operator where self-approval is not allowed; a second decision.
 */
export async function approveCommand(runId: string, options: ApproveCliOptions): Promise<void> {
  const reject = options.reject === true;
  if (reject && (options.reason === undefined || options.reason.trim() === '')) throw new UsageError('--reject needs --reason TEXT: the operator and the record must say why');
  const state = await openState(options, builtInStateCatalog(), process.env, process.cwd(), { existing: true });
  const { backend } = state;
  const run = await backend.open(runId);
  const pending = waitingApproval(run, options.step);
  const [who, decisions, watched] = await Promise.all([builtInIdentity(), backend.decisions(runId), backend.isLocked(runId)]);
  if (who.warning) process.stderr.write(`stepwise: warning: ${who.warning}\n`);
  const identity = who.name;
  const here = decisionsAt(decisions, pending.stepId, pending.itemKey, pending.round ?? 0);
  const where = `run ${runId} at step "${pending.stepId}"`;
  refuseUnlessMayDecide(who, pending, here, where);
  const decision: Decision = {
    stepId: pending.stepId,
    ...(pending.itemKey === undefined ? {} : { itemKey: pending.itemKey }),
    ...(pending.round ? { round: pending.round } : {}),
    by: identity,
    decision: reject ? 'reject' : 'approve',
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    decidedAt: new Date().toISOString(),
  };
  if (!(await backend.recordDecision(runId, decision))) throw new UsageError(`${identity} already decided at ${where}: each approver decides once`);
  process.stdout.write(`${reject ? 'rejected' : 'approved'} ${where} as ${identity}\n`);
  const stopped = stoppedWaiting(run.journal.entries, watched);
  process.stdout.write(`${whatFollows(tally([...here, decision], pending, pending.operator ?? ''), pending, stopped ? resumeCommandLine(runId, state.arguments) : undefined)}\n`);
}

function waitingApproval(run: StoredRun, step: string | undefined): PendingApproval {
  const runId = run.record.runId;
  const pending = pendingApproval(run.journal.entries);
  if (!pending) {
    const status = replayJournal(run.journal.entries).status;
    throw new UsageError(`run ${runId} is not waiting at an approval (it is ${status === 'stopped' ? 'running or stopped' : status}): there is nothing to decide`);
  }
  if (step !== undefined && step !== pending.stepId) {
    throw new UsageError(`run ${runId} waits at step "${pending.stepId}", not "${step}": check the run id and the step (stepwise show ${runId})`);
  }
  return pending;
}

function refuseUnlessMayDecide(who: Identity, pending: PendingApproval, decided: readonly Decision[], where: string): void {
  const identity = who.name;
  const earlier = decided.find((d) => d.by === identity);
  if (earlier) throw new UsageError(`${identity} already decided at ${where} (${earlier.decision === 'approve' ? 'approved' : 'rejected'} at ${earlier.decidedAt}): each approver decides once`);
  if (!isApprover(identity, pending.approvers)) {
    throw new UsageError(`${identity} is not an approver of ${where}: it may be approved by ${describeApprovers(pending.approvers)}`, [
      `you are ${identity}: ${who.foundBy}`,
    ]);
  }
  if (!pending.allowSelfApproval && identity === pending.operator) {
    throw new UsageError(`${identity} runs ${where} and may not approve it: the step does not allow self-approval; another approver must (${describeApprovers(pending.approvers)})`);
  }
}

/** What the decision leads to; `resume` is given when no process waits at the approval any more. */
function whatFollows(result: ReturnType<typeof tally>, pending: PendingApproval, resume: string | undefined): string {
  if (result.state === 'rejected') return resume === undefined ? 'the run stops at this approval (exit 3)' : 'the run stopped waiting; a resume stops at this approval (exit 3)';
  if (result.state === 'open') return `${result.needed} more approval${result.needed === 1 ? '' : 's'} needed (of ${pending.minApprovals})`;
  return resume === undefined ? 'approved: the waiting run goes on' : `approved; the run stopped waiting: go on with: ${resume}`;
}
