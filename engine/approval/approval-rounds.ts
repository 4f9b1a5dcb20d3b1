import type { JournalEntry } from '../state/journal.js';

/**
 * How many times each approval was given in a run's earlier attempts: its step's (or item's)
 * successes, restorations aside. A resume that asks an approval again, because it comes after
 * the last change, asks in a new round, where earlier decisions do not count.
 */
export function approvalRounds(entries: readonly JournalEntry[]): (stepId: string, itemKey: string | undefined) => number {
  const given = new Map<string, number>();
  for (const entry of entries) {
    if (entry.type !== 'step-succeeded' || entry.via === 'restore') continue;
    const key = JSON.stringify([entry.stepId, entry.itemKey ?? null]);
    given.set(key, (given.get(key) ?? 0) + 1);
  }
  return (stepId, itemKey) => given.get(JSON.stringify([stepId, itemKey ?? null])) ?? 0;
}
