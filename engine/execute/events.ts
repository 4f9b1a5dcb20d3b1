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
  /**
   * `rerunSafe`: a resume that finds the step in flight may run it again without asking.
   * `itemKey`: a forEach item's value in canonical JSON, by which a resume knows it.
   * `lastsForTheRun`: what the step does ends with the run (a background process), so it is no change a resume must keep.
   */
  | { type: 'step-started'; stepId: string; title: string; item?: number; itemKey?: string; attempt: number; effect: string; rerunSafe: boolean; lastsForTheRun?: true; at: string }
  /** `via: 'read-again'`: a resume ran again a read step that had succeeded, to see the world as it is now. */
  | { type: 'step-succeeded'; stepId: string; item?: number; itemKey?: string; outputs: JsonValue; durationMs: number; via?: 'check' | 'restore' | 'read-again'; unrestorable?: OutputPath[]; at: string }
  | { type: 'step-failed'; stepId: string; item?: number; itemKey?: string; error: FailureInfo; willRetry: boolean; retryInMs?: number; durationMs: number; at: string }
  | { type: 'step-skipped'; stepId: string; title: string; reason: string; at: string }
  | { type: 'step-planned'; stepId: string; item?: number; status: 'planned' | 'depends' | 'satisfied' | 'would-ask'; input: JsonValue; plan?: Plan; dependsOn?: string[]; at: string }
  | { type: 'step-finished'; stepId: string; status: StepStatus; outputs: JsonValue; durationMs: number; unrestorable?: OutputPath[]; at: string }
  /**
   * An approval its operator cannot give here: the run waits for others' decisions (or stops,
   * with `--no-wait`). `approvers` are who may decide (empty: anyone who reaches the run's state);
   * `command` is the exact `stepwise approve` line. `operator` is who runs the run, and
   * `allowSelfApproval` whether their own decision counts; `itemKey` knows a forEach item by value;
   * `round` counts the times the approval was given before (a resume asks again after a change).
   */
  | { type: 'approval-waiting'; stepId: string; item?: number; itemKey?: string; round?: number; message: string; approvers: string[]; minApprovals: number; command: string; operator?: string; allowSelfApproval?: boolean; timeout?: string; at: string }
  /** One person's decision at an approval, whoever recorded it: `by` is their identity. */
  | { type: 'approval-decided'; stepId: string; item?: number; itemKey?: string; round?: number; by: string; decision: 'approve' | 'reject'; reason?: string; decidedAt: string; at: string }
  | { type: 'run-finished'; status: RunStatus; outputs: JsonValue; durationMs: number; at: string }
  /**
   * Plugin files a step loaded only once it ran (a module its `run()` imports), journaled before
   * the step's end: `path` from the runbook's folder, and the SHA-256 of the file then. A resume
   * refuses when one changed, as for any other file of the runbook.
   */
  | { type: 'plugin-files-loaded'; files: LoadedFile[]; at: string };

export interface LoadedFile {
  path: string;
  sha256: string;
}

/**
 * Where in a step's outputs a value was redacted on its way to the journal: a resume cannot
 * give it back, only run its step again.
 */
export type OutputPath = (string | number)[];

/** `waiting`: stopped at an approval that is not decided yet (`--no-wait`, or its timeout); a resume goes on once it is. */
export type RunStatus = 'succeeded' | 'failed' | 'declined' | 'waiting' | 'interrupted' | 'planned';

/** Receives every event; the run waits for it (a journal must reach the disk first). */
export interface RunObserver {
  onEvent(event: RunEvent): void | Promise<void>;
}
