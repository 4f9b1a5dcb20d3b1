import { describeApprovers, mayApproveOwnRun, tally, type ApprovalRules, type Tally } from '../approval/approvers.js';
import { decisionsAt, type Decision } from '../approval/decision.js';
import { parseDuration } from '../duration.js';
import type { ApprovalOutcome, ApprovalRequest } from '../step-definition.js';
import { StepFailure } from '../step-failure.js';
import { delay } from './abortable.js';
import { now, type RunState } from './run-state.js';

/** An approval's place in the run: its step (as its own runbook names it), and a forEach item. */
export interface ApprovalPoint {
  stepId: string;
  item?: number;
  itemKey?: string;
}

/**
 * `ctx.approve`: the decisions already in the state count (a resume never asks again for what
 * was decided); an operator who may approve is asked at the terminal (or `--yes` answers); if
 * that is not enough, the run records that it waits and watches the state until enough
 * approvers approve, one rejects, or the timeout passes.
 */
export async function awaitApproval(state: RunState, at: ApprovalPoint, request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
  const { options } = state;
  const message = options.redactor.text(request.message);
  const desk = options.approvals;
  if (!desk) return askOnly(state, message, signal);
  const rules: ApprovalRules = { approvers: request.approvers, minApprovals: request.minApprovals, allowSelfApproval: request.allowSelfApproval };
  const operator = await desk.operator();
  // the state knows a sub-runbook's step as the journal does, `parent/child`
  const stepId = (options.stepPrefix ?? '') + at.stepId;
  const round = desk.round(stepId, at.itemKey);
  const place = { stepId, ...(at.itemKey === undefined ? {} : { itemKey: at.itemKey }), ...(round ? { round } : {}) };
  const journaled = new Set<string>();
  const look = async (): Promise<{ tally: Tally; decided: Set<string> }> => {
    const decisions = decisionsAt(await desk.decisions(), stepId, at.itemKey, round);
    for (const decision of decisions.filter((d) => !journaled.has(d.by))) {
      journaled.add(decision.by);
      await state.emit(decidedEvent(at, decision));
    }
    return { tally: tally(decisions, rules, operator), decided: new Set(decisions.map((d) => d.by)) };
  };
  let seen = await look();
  if (seen.tally.state === 'open' && mayApproveOwnRun(operator, rules) && !seen.decided.has(operator) && (options.assumeYes || options.interactive)) {
    const yes = options.assumeYes || (await options.reporter.confirm(message, signal));
    const decision: Decision = { ...place, by: operator, decision: yes ? 'approve' : 'reject', ...(options.assumeYes ? { reason: '--yes' } : {}), decidedAt: now() };
    if (!yes) {
      // the operator's own "no" is journaled, not kept in the state: a resume asks them again, as before approvals were shared
      await state.emit(decidedEvent(at, { ...decision, reason: 'declined at the terminal' }));
      throw new StepFailure(`the operator declined: ${message}`, { code: 'declined', retryable: false });
    }
    await desk.record(decision);
    seen = await look();
  }
  const settled = outcomeOf(seen.tally, message);
  if (settled) return settled;
  const command = desk.command(stepId);
  await state.emit({
    type: 'approval-waiting',
    stepId: at.stepId,
    ...(at.item === undefined ? {} : { item: at.item, itemKey: at.itemKey }),
    ...(round ? { round } : {}),
    message,
    approvers: [...rules.approvers],
    minApprovals: rules.minApprovals,
    command,
    operator,
    allowSelfApproval: rules.allowSelfApproval,
    timeout: request.timeout,
    at: now(),
  });
  const self = mayApproveOwnRun(operator, rules) ? ` (${operator}, who runs it, may too: at a terminal, with --yes, or with that command)` : '';
  const waitingFor = `approval by ${describeApprovers(rules.approvers)}${self}`;
  if (desk.noWait) {
    throw notDecided(`waiting for ${waitingFor} (--no-wait: the run stops here)`, command);
  }
  const timeoutMs = parseDuration(request.timeout);
  if (timeoutMs === undefined) throw new StepFailure(`approval timeout ${JSON.stringify(request.timeout)} is not a duration such as 30m or 24h`, { code: 'invalid-input', retryable: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await delay(Math.max(0, Math.min(desk.pollMs, deadline - Date.now())), signal);
    const outcome = outcomeOf((await look()).tally, message);
    if (outcome) return outcome;
    if (Date.now() >= deadline) throw notDecided(`no decision within ${request.timeout}: ${waitingFor}`, command);
  }
}

/** A run without a state (the engine called directly): the operator's answer alone decides. */
async function askOnly(state: RunState, message: string, signal: AbortSignal): Promise<ApprovalOutcome> {
  const { options } = state;
  if (options.assumeYes) return { approvedBy: [] };
  if (!options.interactive) throw new StepFailure(`approval needed, but there is no terminal to ask on: "${message}"`, { code: 'declined', retryable: false });
  if (await options.reporter.confirm(message, signal)) return { approvedBy: [] };
  throw new StepFailure(`the operator declined: ${message}`, { code: 'declined', retryable: false });
}

function outcomeOf(result: Tally, message: string): ApprovalOutcome | undefined {
  if (result.state === 'approved') return { approvedBy: result.by };
  if (result.state === 'rejected') {
    const { by, reason } = result.decision;
    // a rejection stands: a resume finds it again, so the run does not say how to resume
    throw new StepFailure(`rejected by ${by}${reason ? `: ${reason}` : ''} ("${message}"); a rejection stands: start a new run to ask again`, { code: 'rejected', retryable: false });
  }
  return undefined;
}

/** The run stops resumable: a resume counts the decisions made meanwhile. */
function notDecided(why: string, command: string): StepFailure {
  return new StepFailure(`${why}; to approve: ${command}`, { code: 'waiting', retryable: false });
}

function decidedEvent(at: ApprovalPoint, decision: Decision) {
  return {
    type: 'approval-decided' as const,
    stepId: at.stepId,
    ...(at.item === undefined ? {} : { item: at.item, itemKey: at.itemKey }),
    ...(decision.round ? { round: decision.round } : {}),
    by: decision.by,
    decision: decision.decision,
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    decidedAt: decision.decidedAt,
    at: now(),
  };
}
