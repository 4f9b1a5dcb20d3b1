import { stat } from 'node:fs/promises';
import path from 'node:path';
import { StepFailure } from '../../engine/step-failure.js';

/** A step's `cwd` is relative to its runbook file, so a runbook works from wherever it is run. */
export function resolveWorkingDirectory(runbookDir: string, cwd: string | undefined): string {
  return path.resolve(runbookDir, cwd ?? '.');
}

/** Refuses a missing folder by name, before a spawn would fail with a bare ENOENT. */
export async function existingWorkingDirectory(runbookDir: string, cwd: string | undefined): Promise<string> {
  const resolved = resolveWorkingDirectory(runbookDir, cwd);
  const found = await stat(resolved).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new StepFailure(
      `cwd ${JSON.stringify(cwd ?? '.')} (${resolved}) is not ${found ? 'a directory' : 'there'}: ` +
        'give an existing directory, relative to the runbook file',
      { code: 'cwd-not-found', retryable: false },
    );
  }
  return resolved;
}
