import type { JournalEntry } from './journal.js';

/**
 * Whether a journal that ends with `last` leaves its run waiting at an approval: its process
 * waits for decisions (the last event is the wait or a decision it saw), or it stopped waiting
 * (`--no-wait`, its timeout).
 */
export function endsWaiting(last: JournalEntry | undefined): boolean {
  return last?.type === 'approval-waiting' || last?.type === 'approval-decided' || (last?.type === 'run-finished' && last.status === 'waiting');
}

/**
 * Since when a run its journal leaves waiting waits: the time of its last `approval-waiting`,
 * that of the approval it still waits at, not of a decision or stop that came after. Undefined
 * for a run that does not wait.
 */
export function waitingSince(entries: readonly JournalEntry[]): string | undefined {
  if (!endsWaiting(entries.at(-1))) return undefined;
  return entries.findLast((entry) => entry.type === 'approval-waiting')?.at;
}
