import { formatDuration } from '../duration.js';
import { UsageError } from '../exit-codes.js';
import { RunStore } from '../state/run-store.js';
import { summarizeRun, type RunSummary } from '../state/summarize-run.js';

export async function runsCommand(options: { stateDir: string; json?: boolean }): Promise<void> {
  const store = new RunStore(options.stateDir);
  const summaries: RunSummary[] = [];
  const damaged: string[] = [];
  for (const id of store.ids()) {
    try {
      summaries.push(summarize(store, id));
    } catch (error) {
      // One damaged run folder must not hide the others from the operator.
      if (!(error instanceof UsageError)) throw error;
      damaged.push(`run ${id} is not listed: ${error.message}`);
    }
  }
  printRuns(store, summaries, options.json === true);
  for (const warning of damaged) process.stderr.write(`stepwise: warning: ${warning}\n`);
}

function printRuns(store: RunStore, summaries: RunSummary[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summaries.map(({ steps: _steps, ...rest }) => rest), null, 2)}\n`);
    return;
  }
  if (summaries.length === 0) {
    process.stdout.write(`no runs in ${store.runsFolder}\n`);
    return;
  }
  const rows = summaries.map((s) => [s.runId, s.runbook, s.version, s.status, s.startedAt.replace('T', ' ').slice(0, 19), s.durationMs === undefined ? '' : formatDuration(s.durationMs)]);
  printTable(['RUN', 'RUNBOOK', 'VERSION', 'STATUS', 'STARTED', 'DURATION'], rows);
}

export function summarize(store: RunStore, id: string): RunSummary {
  return summarizeRun(store.open(id), store.isLocked(id));
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`);
}
