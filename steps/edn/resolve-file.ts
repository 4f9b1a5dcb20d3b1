import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `~` and `~/...` mean the operator's home; other relative paths are the runbook's. */
export function resolveFile(file: string, runbookDir: string, home: string = process.env.HOME ?? homedir()): string {
  if (file === '~') return home;
  if (file.startsWith('~/')) return join(home, file.slice(2));
  return resolve(runbookDir, file);
}
