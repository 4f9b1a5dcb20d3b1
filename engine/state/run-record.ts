import type { JsonObject } from '../json.js';
import type { PlannedStep } from '../plans/plan-file.js';

export const RUN_FORMAT = 1;

/** run.json: what an operator needs to know which procedure a run followed, and to resume it. */
export interface RunRecord {
  format: number;
  runId: string;
  runbook: {
    path: string;
    /**
     * The path from the folder the run was started in: where a resume looks when `path` is not
     * on its machine (a run started on another one, from a checkout of the same repository).
     */
    relativePath?: string;
    name: string;
    version: string;
    /** SHA-256 of the runbook file and everything it loads, by their paths from the runbook's folder. */
    sha256: string;
  };
  /** Values of the params that are not secret. */
  params: JsonObject;
  /** Names of the secret params: their values are asked again on resume. */
  secretParams: string[];
  settingsOverrides: Record<string, JsonObject>;
  engineVersion: string;
  startedAt: string;
  host: string;
  user: string;
  /** A run of `stepwise apply`: the reviewed plan it carries out. */
  plan?: AppliedPlan;
}

/**
 * The plan an apply run carries out, and of it what a resume needs without the plan file:
 * each write's input and kept plan, so that the steps get their reviewed plan (`ctx.reviewed`)
 * again and refuse other input.
 */
export interface AppliedPlan {
  /** The plan file, absolute. */
  path: string;
  /** SHA-256 of the plan file's bytes. */
  sha256: string;
  /** user@host */
  madeBy: string;
  madeAt: string;
  /** The steps of the plan that write. */
  steps: PlannedStep[];
}
