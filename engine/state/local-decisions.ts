import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decisionPath, DECISIONS_FOLDER } from '../approval/decision-key.js';
import { parseDecision, type Decision } from '../approval/decision.js';
import { isStorageFailure, StateWriteError, UsageError } from '../exit-codes.js';
import { syncFolder } from './write-file-atomic.js';

/**
 * `<run folder>/decisions/<approval>/<who>.json`: one file per decision, created only if it is
 * not there (O_EXCL), so another terminal can add one while the run waits and nobody decides twice.
 */
export function recordLocalDecision(runFolder: string, decision: Decision): boolean {
  const file = path.join(runFolder, decisionPath(decision));
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeFileSync(fd, `${JSON.stringify(decision, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (isStorageFailure(error)) throw new StateWriteError(file, error);
    throw new UsageError(`${file}: cannot record the decision: ${(error as Error).message}`);
  }
  syncFolder(path.dirname(file));
  return true;
}

/** Every decision of the run; a file that is not one is skipped with a warning, never taken for a decision. */
export function readLocalDecisions(runFolder: string, warn: (message: string) => void): Decision[] {
  const folder = path.join(runFolder, DECISIONS_FOLDER);
  const decisions: Decision[] = [];
  for (const approval of listFolder(folder)) {
    for (const name of listFolder(path.join(folder, approval)).filter((file) => file.endsWith('.json'))) {
      const file = path.join(folder, approval, name);
      const decision = parseDecision(readText(file));
      if (decision) decisions.push(decision);
      else warn(`${file} is not a decision stepwise wrote: ignored`);
    }
  }
  return decisions.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}

function listFolder(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw new UsageError(`${folder}: cannot read the decisions: ${(error as Error).message}`);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
