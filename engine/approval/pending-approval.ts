import type { JournalEntry } from '../state/journal.js';
import type { ApprovalRules } from './approvers.js';

type Waiting = Extract<JournalEntry, { type: 'approval-waiting' }>;

/** The approval a run stopped or waits at, as its journal last recorded it. */
export interface PendingApproval extends ApprovalRules {
  stepId: string;
  item?: number;
  itemKey?: string;
  round?: number;
  message: string;
  /** Who ran the run when it reached the approval; undefined in a journal that did not say. */
  operator: string | undefined;
}

/**
 * The approval the run's latest attempt waits at: its last `approval-waiting`, unless its step
 * (or item) succeeded since, or a rejection ended it. A run stopped there (`--no-wait`, its
 * timeout, Ctrl-C) still waits for it: a resume goes on once it is approved.
 */
export function pendingApproval(entries: readonly JournalEntry[]): PendingApproval | undefined {
  const index = entries.findLastIndex((entry) => entry.type === 'approval-waiting');
  if (index < 0) return undefined;
  const waiting = entries[index] as Waiting;
  const same = (entry: { stepId: string; itemKey?: string }) => entry.stepId === waiting.stepId && entry.itemKey === waiting.itemKey;
  const ended = entries.slice(index + 1).some(
    (entry) =>
      (entry.type === 'step-succeeded' && same(entry)) ||
      (entry.type === 'approval-decided' && same(entry) && entry.decision === 'reject') ||
      (entry.type === 'run-finished' && (entry.status === 'succeeded' || entry.status === 'declined')),
  );
  if (ended) return undefined;
  return {
    stepId: waiting.stepId,
    ...(waiting.item === undefined ? {} : { item: waiting.item }),
    ...(waiting.itemKey === undefined ? {} : { itemKey: waiting.itemKey }),
    ...(waiting.round ? { round: waiting.round } : {}),
    message: waiting.message,
    approvers: waiting.approvers.filter((approver): approver is string => typeof approver === 'string'),
    minApprovals: waiting.minApprovals,
    // a journal that did not say is read the strict way: the operator's own decision does not count
    allowSelfApproval: waiting.allowSelfApproval ?? false,
    operator: waiting.operator,
  };
}

/**
 * Whether the run stopped waiting at its approval (`--no-wait`, its timeout, an interruption, a
 * process that died): a decision alone does not make it go on, a resume does. A process that
 * waits holds the run's lock and has not journaled the run's end.
 */
export function stoppedWaiting(entries: readonly JournalEntry[], lockHeld: boolean): boolean {
  return !lockHeld || entries.at(-1)?.type === 'run-finished';
}
