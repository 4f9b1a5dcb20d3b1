import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunObserver } from '../execute/events.js';
import { now } from '../execute/run-state.js';
import { filesLoadedLater } from '../load/plugin-files.js';
import type { JournalEntry } from '../state/journal.js';

/**
 * The run's journal, which also records the plugin files a step loaded only once it ran (a
 * module its `run()` imports), which the runbook's hash at the start could not cover: their
 * paths from the runbook's folder and SHA-256, before the step's outcome, so that a resume
 * notices a change in them (`changedFilesLoadedLater`). Only paths and hashes: nothing a step
 * or the runbook produced, so the event goes to the journal alone, not to the reporter.
 */
export function journalFilesLoadedLater(journal: RunObserver, runbookFile: string): RunObserver {
  const root = path.dirname(path.resolve(runbookFile));
  return {
    async onEvent(event) {
      // a restored step ran in an earlier attempt: it loaded nothing now
      if ((event.type === 'step-succeeded' && event.via !== 'restore') || event.type === 'step-failed') {
        const later = await filesLoadedLater();
        if (later.length > 0) await journal.onEvent({ type: 'plugin-files-loaded', files: later.map((file) => ({ path: path.relative(root, file), sha256: sha256Of(file) ?? '' })), at: now() });
      }
      await journal.onEvent(event);
    },
  };
}

/**
 * The files the run's steps loaded once they ran that differ now (or are gone) from when the run
 * first loaded them, by their path from the runbook's folder: like the runbook's hash, what the
 * run started with counts, so a resume after a change needs `--allow-changed` each time.
 */
export function changedFilesLoadedLater(entries: readonly JournalEntry[], runbookFile: string): string[] {
  const root = path.dirname(path.resolve(runbookFile));
  const recorded = new Map<string, unknown>();
  for (const entry of entries) {
    if (entry.type !== 'plugin-files-loaded') continue;
    for (const file of entry.files as unknown[]) {
      const { path: where, sha256 } = (file ?? {}) as { path?: unknown; sha256?: unknown };
      if (typeof where === 'string' && !recorded.has(where)) recorded.set(where, sha256);
    }
  }
  return [...recorded].filter(([where, sha256]) => sha256Of(path.resolve(root, where)) !== sha256).map(([where]) => where);
}

function sha256Of(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}
