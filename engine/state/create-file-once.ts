import { closeSync, fsyncSync, linkSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isStorageFailure, StateWriteError, UsageError } from '../exit-codes.js';
import { makeFolders } from './run-store.js';
import { syncFolder } from './write-file-atomic.js';

/**
 * Writes `value` as JSON to `file` only if no file is there, on disk with its folder entry before
 * it returns: of two processes that try at once, exactly one creates it. The whole file is
 * written aside first and linked into place (link fails on a file that is there), so that a
 * reader polling for it never finds it half written. False when the file was there already.
 * `purpose` says what the file is for, in an error.
 */
export function createFileOnce(file: string, value: unknown, purpose: string): boolean {
  const folder = path.dirname(file);
  makeFolders(folder);
  const temp = path.join(folder, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeFileSync(fd, `${JSON.stringify(value, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (isStorageFailure(error)) throw new StateWriteError(file, error);
    throw new UsageError(`${file}: cannot ${purpose}: ${(error as Error).message}`);
  } finally {
    rmSync(temp, { force: true });
  }
  syncFolder(folder);
  return true;
}
