import path from 'node:path';
import type { Runbook } from '../document/runbook.js';
import type { RunbookSource } from '../load/read-runbook-file.js';
import type { StepRegistry } from '../registry.js';
import { hashFiles } from '../state/hash-files.js';
import type { RunRecord } from '../state/run-record.js';
import { RunStore } from '../state/run-store.js';
import type { Diagnostic } from '../validate/diagnostic.js';

export interface ValidRunbook {
  runbook: Runbook;
  source: RunbookSource;
  registry: StepRegistry;
}

/**
 * Runs record the runbook's version so that an operator knows which procedure each followed;
 * a runbook edited without a new version makes two different procedures look the same.
 * Compares with the newest run of the same file, over the same files its hash covers.
 */
export async function warnUnchangedVersion(valid: ValidRunbook, stateDir: string): Promise<Diagnostic | undefined> {
  const file = path.resolve(valid.source.file);
  const lastRun = newestRunOf(new RunStore(stateDir), file);
  if (!lastRun || lastRun.runbook.version !== valid.runbook.version) return undefined;
  const { runbookFiles } = await import('./run-command.js');
  const sha256 = hashFiles(await runbookFiles(file, valid.runbook, valid.registry));
  if (sha256 === lastRun.runbook.sha256) return undefined;
  return {
    file: valid.source.file,
    ...valid.source.map.keyAt(['version']),
    message: `version ${valid.runbook.version} is the same as run ${lastRun.runId} used, but the runbook changed since; bump the version`,
    severity: 'warning',
  };
}

/** Ids sort by the second a run started, not within it: the start times decide. */
function newestRunOf(store: RunStore, file: string): RunRecord | undefined {
  let newest: RunRecord | undefined;
  for (const id of store.ids()) {
    let record: RunRecord;
    try {
      record = store.open(id).record;
    } catch {
      continue; // a damaged run folder is for `stepwise show` to report, not this check
    }
    if (record.runbook.path === file && (newest === undefined || record.startedAt > newest.startedAt)) newest = record;
  }
  return newest;
}
