import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decisionPath, DECISIONS_FOLDER } from '../approval/decision-key.js';
import { parseDecision, type Decision } from '../approval/decision.js';
import { UsageError } from '../exit-codes.js';
import { createFileOnce } from './create-file-once.js';

/**
 * `<run folder>/decisions/<approval>/<who>.json`: one file per decision, created only if it is
 * not there (O_EXCL), so another terminal can add one while the run waits and nobody decides twice.
 */
export function recordLocalDecision(runFolder: string, decision: Decision): boolean {
  return createFileOnce(path.join(runFolder, decisionPath(decision)), decision, 'record the decision');
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
