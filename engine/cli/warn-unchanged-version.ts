import path from 'node:path';
import type { Runbook } from '../document/runbook.js';
import { UsageError } from '../exit-codes.js';
import type { RunbookSource } from '../load/read-runbook-file.js';
import type { StepRegistry } from '../registry.js';
import { hashFiles } from '../state/hash-files.js';
import type { RunRecord } from '../state/run-record.js';
import type { StateBackend } from '../state/state-backend.js';
import type { Diagnostic } from '../validate/diagnostic.js';

export interface ValidRunbook {
  runbook: Runbook;
  source: RunbookSource;
  registry: StepRegistry;
}

export interface PastRuns {
  records: RunRecord[];
  /** Why the runs could not be read, for a warning: validation goes on without them. */
  problem?: string;
}

/**
 * The runs kept where `run` would record one. Runs that cannot be read are only a warning:
 * validation does not need them.
 */
export async function readPastRuns(backend: StateBackend): Promise<PastRuns> {
  try {
    const records = await Promise.all(
      (await backend.ids()).map(async (id) => {
        try {
          return (await backend.overview(id)).record;
        } catch (error) {
          if (error instanceof UsageError) return undefined; // a damaged run is for `stepwise runs` to report
          throw error;
        }
      }),
    );
    return { records: records.filter((record): record is RunRecord => record !== undefined) };
  } catch (error) {
    return { records: [], problem: `could not read the past runs in ${backend.location} to compare versions: ${(error as Error).message}` };
  }
}

/**
 * Runs record the runbook's version so that an operator knows which procedure each followed;
 * a runbook edited without a new version makes two different procedures look the same.
 * Compares with the newest run of the same file, over the same files its hash covers.
 */
export async function warnUnchangedVersion(valid: ValidRunbook, pastRuns: readonly RunRecord[]): Promise<Diagnostic | undefined> {
  const file = path.resolve(valid.source.file);
  const lastRun = newestRunOf(pastRuns, file);
  if (!lastRun || lastRun.runbook.version !== valid.runbook.version) return undefined;
  const { runbookFiles } = await import('./run-command.js');
  const sha256 = hashFiles(await runbookFiles(file, valid.runbook, valid.registry));
  if (sha256 === lastRun.runbook.sha256) return undefined;
  return {
    file: valid.source.file,
    ...valid.source.map.keyAt(['version']),
    message: `version ${valid.runbook.version} is the same as run ${lastRun.runId} used, but the runbook changed since; bump the version`,
    severity: 'warning',
    rule: 'unchanged-version',
  };
}

/**
 * The same file is at the same path, or, for a run started on another machine or checkout
 * (shared state), at the same path from the folder the run was started in, as resume finds it.
 * Ids sort by the second a run started, not within it: the start times decide.
 */
function newestRunOf(records: readonly RunRecord[], file: string): RunRecord | undefined {
  const fromHere = path.relative(process.cwd(), file);
  let newest: RunRecord | undefined;
  for (const record of records) {
    const same = record.runbook.path === file || record.runbook.relativePath === fromHere;
    if (same && (newest === undefined || record.startedAt > newest.startedAt)) newest = record;
  }
  return newest;
}
