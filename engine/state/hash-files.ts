import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * SHA-256 over the runbook (the first file) and everything it loads: each file's bytes, and for
 * the files it loads their paths from the runbook's folder. The same files in another
 * checkout, on another machine, or under another name hash the same.
 */
export function hashFiles(files: readonly string[]): string {
  const hash = createHash('sha256');
  const runbook = files[0];
  const root = runbook === undefined ? '' : path.dirname(runbook);
  for (const file of files) {
    hash.update(`${file === runbook ? '' : path.relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}
