import { tally } from '../approval/approvers.js';
import { decisionsAt, type Decision } from '../approval/decision.js';
import { pendingApproval, stoppedWaiting, type PendingApproval } from '../approval/pending-approval.js';
import type { JournalEntry } from './journal.js';
import { itemKeyOf, replayJournal } from './replay.js';
import type { RunOverview, StoredRun } from './state-backend.js';
import { waitingSince } from './waiting-since.js';

export interface StepTimeline {
  id: string;
  status: string;
  durationMs: number;
  outputs: unknown;
  error?: { message: string; code: string; details?: string };
  /** How many times the step ran, retries and resumes included; for a forEach step, its most tried item. */
  attempts: number;
  /** A forEach step's items that started. */
  items?: number;
  /** A skipped step: why, as the run said it (the runbook's `skipReason`, else its `if` and the value that decided it). */
  skipReason?: string;
}

export interface RunListing {
  runId: string;
  runbook: string;
  version: string;
  path: string;
  status: string;
  startedAt: string;
  /** How long it ran; for a waiting run, how long it ran before it began to wait (see `waitingSince`). */
  durationMs: number | undefined;
  /** A waiting run: when it began to wait at the approval it waits at (a decision that came in since does not move it). */
  waitingSince?: string;
  host: string;
  user: string;
}

/** One decision at an approval, as `show` gives it. */
export interface ApprovalDecision {
  stepId: string;
  item?: number;
  by: string;
  decision: 'approve' | 'reject';
  reason?: string;
  decidedAt: string;
}

/** The approval a run waits (or stopped) at, and who may give it. */
export interface WaitingApproval {
  stepId: string;
  item?: number;
  message: string;
  approvers: string[];
  minApprovals: number;
  command: string;
  /** The approvers whose approval counts so far. */
  approvedBy: string[];
  /** How many approvals it still needs: 0 once approved. */
  needed: number;
  /** A rejection in the state that the run has not taken in yet: it stops there (exit 3). */
  rejected?: { by: string; reason?: string };
  /**
   * No process waits at it any more (`--no-wait`, its timeout, an interruption): a decision
   * alone does not make the run go on, a resume does.
   */
  stopped: boolean;
  /** When it stopped: the command that goes on once it is approved. */
  resume?: string;
}

export interface RunSummary extends RunListing {
  steps: StepTimeline[];
  /** Every decision at the run's approvals, oldest first. */
  approvals: ApprovalDecision[];
  /** The approval the run waits at, when it does. */
  waitingFor?: WaitingApproval;
  /** A run of `stepwise apply`: the reviewed plan it carries out. */
  plan?: { path: string; sha256: string; madeBy: string; madeAt: string };
}

/**
 * A run as `show` presents it, from run.json and the journal, and the decisions its state keeps:
 * one made while no process ran the run is in the state before a resume journals it.
 */
export function summarizeRun(run: StoredRun, lockHeld: boolean, stored: readonly Decision[] = [], resume?: string): RunSummary {
  const entries = run.journal.entries;
  const replay = replayJournal(entries);
  const pending = pendingApproval(entries);
  const waiting = pending && entries.findLast((entry): entry is Extract<JournalEntry, { type: 'approval-waiting' }> => entry.type === 'approval-waiting');
  return {
    ...listRun({ location: run.location, record: run.record, lastEntry: entries.at(-1), waitingSince: waitingSince(entries), locked: lockHeld }, replay.status),
    steps: timeline(entries, replay.status === 'succeeded'),
    ...(run.record.plan ? { plan: { path: run.record.plan.path, sha256: run.record.plan.sha256, madeBy: run.record.plan.madeBy, madeAt: run.record.plan.madeAt } } : {}),
    approvals: approvalDecisions(entries, stored),
    ...(pending && waiting ? { waitingFor: waitingFor(pending, waiting.command, stoppedWaiting(entries, lockHeld), entries, stored, resume) } : {}),
  };
}

/** The approval a run waits at, who approved it and what it still needs, counted as the run will count them. */
function waitingFor(pending: PendingApproval, command: string, stopped: boolean, entries: readonly JournalEntry[], stored: readonly Decision[], resume: string | undefined): WaitingApproval {
  const journaled = entries.filter((entry): entry is Extract<JournalEntry, { type: 'approval-decided' }> => entry.type === 'approval-decided');
  const decisions = [...journaled.map((entry) => ({ ...entry, decision: entry.decision === 'reject' ? ('reject' as const) : ('approve' as const) })), ...stored];
  const standing = tally(decisionsAt(decisions, pending.stepId, pending.itemKey, pending.round ?? 0), pending, pending.operator ?? '');
  const { stepId, item, message, approvers, minApprovals } = pending;
  const described = { stepId, ...(item === undefined ? {} : { item }), message, approvers: [...approvers], minApprovals, command, stopped, ...(stopped && resume !== undefined ? { resume } : {}) };
  if (standing.state === 'rejected') {
    const { by, reason } = standing.decision;
    return { ...described, approvedBy: [], needed: minApprovals, rejected: { by, ...(reason === undefined ? {} : { reason }) } };
  }
  return { ...described, approvedBy: standing.by, needed: standing.state === 'open' ? standing.needed : 0 };
}

/** Each person's decision once per approval, though a resume journals again the ones it counts. */
function approvalDecisions(entries: readonly JournalEntry[], stored: readonly Decision[]): ApprovalDecision[] {
  const decisions = new Map<string, ApprovalDecision>();
  const add = (key: string, decision: ApprovalDecision) => {
    if (!decisions.has(key)) decisions.set(key, decision);
  };
  for (const entry of entries) {
    if (entry.type !== 'approval-decided') continue;
    const { stepId, item, by, decision, reason, decidedAt } = entry;
    add(JSON.stringify([stepId, entry.itemKey ?? null, entry.round ?? 0, by]), { stepId, ...(item === undefined ? {} : { item }), by, decision, ...(reason === undefined ? {} : { reason }), decidedAt });
  }
  for (const { stepId, itemKey, round, by, decision, reason, decidedAt } of stored) {
    add(JSON.stringify([stepId, itemKey ?? null, round ?? 0, by]), { stepId, by, decision, ...(reason === undefined ? {} : { reason }), decidedAt });
  }
  return [...decisions.values()].sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}

/**
 * A run as `runs` lists it. Its status is the end of its latest attempt, which is always the
 * journal's last event: the last event is enough, and a shared store need not read them all.
 */
export function listRun(run: RunOverview, finalStatus = run.lastEntry?.type === 'run-finished' ? run.lastEntry.status : 'stopped'): RunListing {
  // 'stopped': the latest attempt has not finished, so it is running now or it died.
  const status = isWaiting(run) ? 'waiting' : run.locked && finalStatus === 'stopped' ? 'running' : finalStatus;
  const last = run.lastEntry;
  const since = status === 'waiting' ? run.waitingSince : undefined;
  const until = since ?? last?.at;
  return {
    runId: run.record.runId,
    runbook: run.record.runbook.name,
    version: run.record.runbook.version,
    path: run.record.runbook.path,
    status,
    startedAt: run.record.startedAt,
    durationMs: until === undefined ? undefined : Date.parse(until) - Date.parse(run.record.startedAt),
    ...(since === undefined ? {} : { waitingSince: since }),
    host: run.record.host,
    user: run.record.user,
  };
}

/** Its process waits for decisions at an approval now (a dead one's approval waits too: a resume goes on once approved). */
function isWaiting(run: RunOverview): boolean {
  const type = run.lastEntry?.type;
  return type === 'approval-waiting' || type === 'approval-decided';
}

function timeline(entries: readonly JournalEntry[], runSucceeded: boolean): StepTimeline[] {
  const steps = new Map<string, StepTimeline>();
  /** What the successes of a step brought since its last step-finished: a crash can come before that. */
  const unfinished = new Map<string, { items: Map<number, unknown>; durationMs: number }>();
  /** Starts per step, then per item by its key (a step without forEach has the one key ''). */
  const starts = new Map<string, Map<string, number>>();
  const get = (id: string) => {
    let step = steps.get(id);
    if (!step) {
      step = { id, status: 'started', durationMs: 0, outputs: null, attempts: 0 };
      steps.set(id, step);
    }
    return step;
  };
  for (const entry of entries) {
    if (entry.type === 'step-started') {
      const step = get(entry.stepId);
      const counts = starts.get(entry.stepId) ?? new Map<string, number>();
      starts.set(entry.stepId, counts);
      // an item is known by its value: a resume after its list changed finds it at another position
      const key = entry.item === undefined ? '' : itemKeyOf(entry);
      const attempts = (counts.get(key) ?? 0) + 1;
      counts.set(key, attempts);
      step.attempts = Math.max(step.attempts, attempts);
      if (entry.item !== undefined) step.items = counts.size;
      step.status = 'running';
      delete step.skipReason;
    } else if (entry.type === 'step-succeeded') {
      const step = get(entry.stepId);
      const since = unfinished.get(entry.stepId) ?? { items: new Map(), durationMs: 0 };
      unfinished.set(entry.stepId, since);
      since.durationMs += entry.durationMs;
      if (entry.item !== undefined) since.items.set(entry.item, entry.outputs);
      else {
        step.status = 'succeeded';
        step.outputs = entry.outputs;
        delete step.error;
      }
    } else if (entry.type === 'step-failed') {
      const step = get(entry.stepId);
      step.error = entry.error;
      step.status = entry.willRetry ? 'retrying' : failedStatus(entry.error);
    } else if (entry.type === 'approval-waiting') {
      get(entry.stepId).status = 'waiting';
    } else if (entry.type === 'step-skipped') {
      const step = get(entry.stepId);
      step.status = 'skipped';
      step.skipReason = entry.reason;
    } else if (entry.type === 'step-finished') {
      const step = get(entry.stepId);
      unfinished.delete(entry.stepId);
      step.status = entry.status === 'failed' && step.error ? failedStatus(step.error) : entry.status;
      step.durationMs += entry.durationMs;
      step.outputs = entry.outputs;
      if (entry.status !== 'failed') delete step.error;
    }
  }
  for (const [id, since] of unfinished) {
    const step = steps.get(id)!;
    step.durationMs += since.durationMs;
    // A later attempt restored the items and, restored, did not journal the step's end again.
    if (runSucceeded && step.status === 'running') {
      step.status = 'succeeded';
      step.outputs = [...since.items.entries()].sort(([a], [b]) => a - b).map(([, outputs]) => outputs);
      delete step.error;
    }
  }
  return [...steps.values()];
}

/** A step stopped by Ctrl-C (or a signal) did not fail: it was interrupted, and a resume runs it again. */
function failedStatus(error: { code: string }): string {
  if (error.code === 'waiting') return 'waiting';
  return error.code === 'interrupted' ? 'interrupted' : 'failed';
}
