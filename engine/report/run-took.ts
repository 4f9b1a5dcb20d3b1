import { formatDuration } from '../duration.js';
import type { RunListing } from '../state/summarize-run.js';

/**
 * ` in 4.2s` after a run's status, or ` since 2026-...Z` for a run that waits: its time is how
 * long it ran before it began to wait, which would read as how long it has waited.
 */
export function runTook(run: Pick<RunListing, 'durationMs' | 'waitingSince'>): string {
  if (run.waitingSince !== undefined) return ` since ${run.waitingSince}`;
  if (run.durationMs === undefined) return '';
  return ` in ${formatDuration(run.durationMs)}`;
}
