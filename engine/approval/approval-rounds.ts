import type { JournalEntry } from '../state/journal.js';
import { pendingApproval } from './pending-approval.js';

/**
 * How many times each approval was given and spent in a run's earlier attempts. A resume asks
 * an approval again when it comes after the last change (what it approves may have changed):
 * in a new round, where earlier decisions do not count. An attempt that stopped waiting at a
 * later approval (`--no-wait`, its timeout, Ctrl-C there) spent none: the run goes on from
 * where it waited, and the approvals it had are still the ones given for this very run.
 */
export function approvalRounds(entries: readonly JournalEntry[]): (stepId: string, itemKey: string | undefined) => number {
  const spent = new Map<string, number>();
  for (const attempt of attempts(entries)) {
    if (pendingApproval(attempt)) continue;
    for (const entry of attempt) {
      if (entry.type !== 'step-succeeded' || entry.via === 'restore') continue;
      const key = keyOf(entry.stepId, entry.itemKey);
      spent.set(key, (spent.get(key) ?? 0) + 1);
    }
  }
  return (stepId, itemKey) => spent.get(keyOf(stepId, itemKey)) ?? 0;
}

/** The journal cut at each `run-started`: a run and each of its resumes. */
function attempts(entries: readonly JournalEntry[]): JournalEntry[][] {
  const cut: JournalEntry[][] = [];
  for (const entry of entries) {
    if (entry.type === 'run-started' || cut.length === 0) cut.push([]);
    cut.at(-1)!.push(entry);
  }
  return cut;
}

function keyOf(stepId: string, itemKey: string | undefined): string {
  return JSON.stringify([stepId, itemKey ?? null]);
}
