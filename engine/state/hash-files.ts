import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** SHA-256 over the runbook and everything it loads, each file's name and bytes in order. */
export function hashFiles(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}
