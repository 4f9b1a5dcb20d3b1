import type { JsonValue } from '../json.js';
import type { Plan } from '../step-definition.js';

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'planned' | 'depends' | 'satisfied' | 'would-ask' | 'restored';

export interface FailureInfo {
  message: string;
  code: string;
  details?: string;
}

/**
 * What happens during a run, in order. Reporters render these and the journal stores them;
 * every value in them has already been redacted.
 */
export type RunEvent =
  | { type: 'run-started'; runId: string; runbook: string; version: string; dryRun: boolean; at: string }
  /** `rerunSafe`: a resume that finds the step in flight may run it again without asking. */
  | { type: 'step-started'; stepId: string; title: string; item?: number; attempt: number; effect: string; rerunSafe: boolean; at: string }
  | { type: 'step-succeeded'; stepId: string; item?: number; outputs: JsonValue; durationMs: number; via?: 'check' | 'restore'; at: string }
  | { type: 'step-failed'; stepId: string; item?: number; error: FailureInfo; willRetry: boolean; retryInMs?: number; durationMs: number; at: string }
  | { type: 'step-skipped'; stepId: string; title: string; reason: string; at: string }
  | { type: 'step-planned'; stepId: string; item?: number; status: 'planned' | 'depends' | 'satisfied' | 'would-ask'; input: JsonValue; plan?: Plan; dependsOn?: string[]; at: string }
  | { type: 'step-finished'; stepId: string; status: StepStatus; outputs: JsonValue; durationMs: number; at: string }
  | { type: 'run-finished'; status: RunStatus; outputs: JsonValue; durationMs: number; at: string };

export type RunStatus = 'succeeded' | 'failed' | 'declined' | 'interrupted' | 'planned';

/** Receives every event; the run waits for it (a journal must reach the disk first). */
export interface RunObserver {
  onEvent(event: RunEvent): void | Promise<void>;
}
