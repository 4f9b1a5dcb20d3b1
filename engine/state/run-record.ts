import type { JsonObject } from '../json.js';

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
}
