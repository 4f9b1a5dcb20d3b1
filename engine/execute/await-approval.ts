import type { ApprovalDesk } from '../approval/approval-desk.js';
import { describeApprovers, mayApproveOwnRun, tally, type ApprovalRules, type Tally } from '../approval/approvers.js';
import { decisionsAt, type Decision } from '../approval/decision.js';
import { parseDuration } from '../duration.js';
import type { ApprovalOutcome, ApprovalRequest } from '../step-definition.js';
import { StepFailure } from '../step-failure.js';
import { delay } from './abortable.js';
import type { RunEvent } from './events.js';
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
  const message = state.options.redactor.text(request.message);
  const timeoutMs = checkedRequest(request);
  const desk = state.options.approvals;
  if (!desk) return askOnly(state, message, signal);
  const operator = await desk.operator();
  // the operator must learn why approvers may not know them, while the run waits, not after
  if (operator.warning) state.options.reporter.view(at.stepId).note(`warning: ${operator.warning}`);
  const approval = new Approval(state, desk, at, request, message, operator.name);
  const asked = (await approval.settled()) ?? (await approval.askOperator(signal));
  return asked ?? approval.waitForOthers(timeoutMs, signal);
}

/**
 * A plugin's step may ask with anything: a request that nobody could satisfy, or that nobody
 * would need to (no approval at all), is its mistake, told as such. The timeout, in ms.
 */
function checkedRequest({ approvers, minApprovals, timeout }: ApprovalRequest): number {
  const invalid = (what: string) => new StepFailure(what, { code: 'invalid-input', retryable: false });
  if (!Array.isArray(approvers) || !approvers.every((approver) => typeof approver === 'string')) throw invalid(`approvers ${JSON.stringify(approvers)} is not a list of identities, patterns or user names`);
  if (!Number.isInteger(minApprovals) || minApprovals < 1) throw invalid(`minApprovals ${JSON.stringify(minApprovals)} is not a whole number of at least 1`);
  const timeoutMs = parseDuration(timeout);
  if (timeoutMs === undefined) throw invalid(`approval timeout ${JSON.stringify(timeout)} is not a duration such as 30m or 24h`);
  return timeoutMs;
}

/** One approval of a real run, as its state and journal know it. */
class Approval {
  private readonly rules: ApprovalRules;
  /** As the state and the journal know it: a sub-runbook's step is `parent/child`. */
  private readonly stepId: string;
  /** An approval a resume asks again after the last change is a new round. */
  private readonly round: number;
  /** The deciders whose decision this process journaled already. */
  private readonly journaled = new Set<string>();

  constructor(
    private readonly state: RunState,
    private readonly desk: ApprovalDesk,
    private readonly at: ApprovalPoint,
    private readonly request: ApprovalRequest,
    private readonly message: string,
    private readonly operator: string,
  ) {
    this.rules = { approvers: request.approvers, minApprovals: request.minApprovals, allowSelfApproval: request.allowSelfApproval };
    this.stepId = (state.options.stepPrefix ?? '') + at.stepId;
    this.round = desk.round(this.stepId, at.itemKey);
  }

  /** The outcome if the recorded decisions already settle it; each new one is journaled. */
  async settled(): Promise<ApprovalOutcome | undefined> {
    return outcomeOf(await this.look(), this.message);
  }

  /** An operator at a terminal who may approve is asked (`--yes` answers for them); their yes is recorded. */
  async askOperator(signal: AbortSignal): Promise<ApprovalOutcome | undefined> {
    const { options } = this.state;
    const decided = (await this.decisions()).some((d) => d.by === this.operator);
    if (decided || !mayApproveOwnRun(this.operator, this.rules) || !(options.assumeYes || options.interactive)) return undefined;
    const yes = options.assumeYes || (await options.reporter.confirm(this.message, signal));
    const decision = this.decision(yes ? 'approve' : 'reject', options.assumeYes ? '--yes' : undefined);
    if (!yes) {
      // the operator's own "no" is journaled, not kept in the state: a resume asks them again
      await this.state.emit(this.decidedEvent({ ...decision, reason: 'declined at the terminal' }));
      throw new StepFailure(`rejected by ${this.operator}: declined at the terminal ("${this.message}")`, { code: 'declined', retryable: false });
    }
    await this.desk.record(decision);
    return this.settled();
  }

  /** Records that the run waits, then watches the state (or stops at once with `--no-wait`). */
  async waitForOthers(timeoutMs: number, signal: AbortSignal): Promise<ApprovalOutcome> {
    const command = this.desk.command(this.stepId);
    await this.state.emit(this.waitingEvent(command));
    const self = mayApproveOwnRun(this.operator, this.rules) ? ` (${this.operator}, who runs it, may too: at a terminal, with --yes, or with that command)` : '';
    const waitingFor = `approval by ${describeApprovers(this.rules.approvers)}${self}`;
    if (this.desk.noWait) throw notDecided(`waiting for ${waitingFor} (--no-wait: the run stops here)`, command);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await delay(Math.max(0, Math.min(this.desk.pollMs, deadline - Date.now())), signal);
      const outcome = await this.settled();
      if (outcome) return outcome;
      if (Date.now() >= deadline) throw notDecided(`no decision within ${this.request.timeout}: ${waitingFor}`, command);
    }
  }

  private async decisions(): Promise<Decision[]> {
    return decisionsAt(await this.desk.decisions(), this.stepId, this.at.itemKey, this.round);
  }

  private async look(): Promise<Tally> {
    const decisions = await this.decisions();
    for (const decision of decisions.filter((d) => !this.journaled.has(d.by))) {
      this.journaled.add(decision.by);
      await this.state.emit(this.decidedEvent(decision));
    }
    return tally(decisions, this.rules, this.operator);
  }

  private decision(decision: Decision['decision'], reason: string | undefined): Decision {
    const { itemKey } = this.at;
    return {
      stepId: this.stepId,
      ...(itemKey === undefined ? {} : { itemKey }),
      ...(this.round ? { round: this.round } : {}),
      by: this.operator,
      decision,
      ...(reason === undefined ? {} : { reason }),
      decidedAt: now(),
    };
  }

  /** Events name the step as its own runbook does: a sub-runbook's reporter adds the prefix. */
  private itemAndRound() {
    const { item, itemKey } = this.at;
    return { ...(item === undefined ? {} : { item, itemKey }), ...(this.round ? { round: this.round } : {}) };
  }

  private waitingEvent(command: string): RunEvent {
    const { approvers, minApprovals, allowSelfApproval } = this.rules;
    return { type: 'approval-waiting', stepId: this.at.stepId, ...this.itemAndRound(), message: this.message, approvers: [...approvers], minApprovals, command, operator: this.operator, allowSelfApproval, timeout: this.request.timeout, at: now() };
  }

  private decidedEvent(decision: Decision): RunEvent {
    const { by, reason, decidedAt } = decision;
    return { type: 'approval-decided', stepId: this.at.stepId, ...this.itemAndRound(), by, decision: decision.decision, ...(reason === undefined ? {} : { reason }), decidedAt, at: now() };
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
