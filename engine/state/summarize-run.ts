import type { JournalEntry } from './journal.js';
import { replayJournal } from './replay.js';
import type { StoredRun } from './run-store.js';

export interface StepTimeline {
  id: string;
  status: string;
  durationMs: number;
  outputs: unknown;
  error?: { message: string; code: string; details?: string };
  attempts: number;
}

export interface RunSummary {
  runId: string;
  runbook: string;
  version: string;
  path: string;
  status: string;
  startedAt: string;
  durationMs: number | undefined;
  host: string;
  user: string;
  steps: StepTimeline[];
}

/** A run as `runs` and `show` present it, from run.json and the journal. */
export function summarizeRun(run: StoredRun, lockHeld: boolean): RunSummary {
  const entries = run.journal.entries;
  const replay = replayJournal(entries);
  const finished = [...entries].reverse().find((entry) => entry.type === 'run-finished');
  const status = lockHeld && !finished ? 'running' : finished ? replay.status : 'stopped';
  const last = entries.at(-1);
  const durationMs = last ? Date.parse(last.at) - Date.parse(run.record.startedAt) : undefined;
  return {
    runId: run.record.runId,
    runbook: run.record.runbook.name,
    version: run.record.runbook.version,
    path: run.record.runbook.path,
    status,
    startedAt: run.record.startedAt,
    durationMs,
    host: run.record.host,
    user: run.record.user,
    steps: timeline(entries),
  };
}

function timeline(entries: readonly JournalEntry[]): StepTimeline[] {
  const steps = new Map<string, StepTimeline>();
  const get = (id: string) => {
    let step = steps.get(id);
    if (!step) {
      step = { id, status: 'started', durationMs: 0, outputs: null, attempts: 0 };
      steps.set(id, step);
    }
    return step;
  };
  for (const entry of entries) {
    if (entry.type === 'step-started') {
      const step = get(entry.stepId);
      step.attempts++;
      step.status = 'running';
    } else if (entry.type === 'step-failed') {
      const step = get(entry.stepId);
      step.error = entry.error;
      step.status = entry.willRetry ? 'retrying' : 'failed';
    } else if (entry.type === 'step-skipped') {
      get(entry.stepId).status = 'skipped';
    } else if (entry.type === 'step-finished') {
      const step = get(entry.stepId);
      step.status = entry.status;
      step.durationMs += entry.durationMs;
      step.outputs = entry.outputs;
      if (entry.status !== 'failed') delete step.error;
    }
  }
  return [...steps.values()];
}
