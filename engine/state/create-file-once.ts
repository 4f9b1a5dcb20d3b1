import { closeSync, fsyncSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isStorageFailure, StateWriteError, UsageError } from '../exit-codes.js';
import { syncFolder } from './write-file-atomic.js';

/**
 * Writes `value` as JSON to `file` only if no file is there (O_EXCL), on disk with its folder
 * entry before it returns: of two processes that try at once, exactly one creates it. False when
 * the file was there already. `purpose` says what the file is for, in an error.
 */
export function createFileOnce(file: string, value: unknown, purpose: string): boolean {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeFileSync(fd, `${JSON.stringify(value, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (isStorageFailure(error)) throw new StateWriteError(file, error);
    throw new UsageError(`${file}: cannot ${purpose}: ${(error as Error).message}`);
  }
  syncFolder(path.dirname(file));
  return true;
}
