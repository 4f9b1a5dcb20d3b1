import type { StateCliOptions } from './cli-options.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../exit-codes.js';
import type { StateBackend } from '../state/state-backend.js';
import { listRun, type RunListing } from '../state/summarize-run.js';
import { builtInStateCatalog } from './builtins.js';
import { openState } from './open-state.js';

export async function runsCommand(options: StateCliOptions & { json?: boolean }): Promise<void> {
  const { backend } = await openState(options, builtInStateCatalog(), process.env, process.cwd(), { existing: true });
  // A shared store answers each run in a few requests: all runs are asked at once.
  const listed = await Promise.all(
    (await backend.ids()).map(async (id): Promise<RunListing | string> => {
      try {
        return listRun(await backend.overview(id));
      } catch (error) {
        // One damaged run must not hide the others from the operator.
        if (!(error instanceof UsageError)) throw error;
        return `run ${id} is not listed: ${error.message}`;
      }
    }),
  );
  // Run ids only go down to the second: two runs started in the same second sort by their record.
  const runs = listed.filter((run): run is RunListing => typeof run !== 'string').sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
  printRuns(backend, runs, options.json === true);
  for (const warning of listed.filter((run): run is string => typeof run === 'string')) process.stderr.write(`stepwise: warning: ${warning}\n`);
}

function printRuns(backend: StateBackend, runs: RunListing[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs in ${backend.location}\n`);
    return;
  }
  const rows = runs.map((s) => [s.runId, s.runbook, s.version, s.status, shortTime(s.startedAt), timeOf(s)]);
  printTable(['RUN', 'RUNBOOK', 'VERSION', 'STATUS', 'STARTED', 'DURATION'], rows);
}

/** How long it ran; for a run that waits, since when: how long it ran before would read as how long it has waited. */
function timeOf(run: RunListing): string {
  if (run.waitingSince !== undefined) return `waiting since ${shortTime(run.waitingSince)}`;
  return run.durationMs === undefined ? '' : formatDuration(run.durationMs);
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`);
}
