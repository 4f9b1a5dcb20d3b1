import type { Resolved } from '../expressions/evaluate.js';
import type { FailureInfo, RunStatus, StepStatus } from './events.js';

export interface StepResult {
  id: string;
  type: string;
  title: string;
  status: StepStatus | 'not-run';
  outputs: Resolved;
  durationMs: number;
  error?: FailureInfo;
  dependsOn?: string[];
  /** On resume: it had succeeded, and ran again because it only reads. */
  readAgain?: true;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  outputs: Resolved;
  steps: StepResult[];
  failure?: RunFailure;
  durationMs: number;
}

/** Why a run stopped: the step at fault, or `outputs.<name>` for a runbook output. */
export type RunFailure = FailureInfo & { stepId: string };
