import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Written whole or not at all: a crash leaves the old file or the new one, never half of one. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w', mode);
    try {
      // goes on after a short write, which a disk filling up makes
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    // a full disk needs the space back
    rmSync(temp, { force: true });
    throw error;
  }
  syncFolder(path.dirname(file));
}

/** A new or renamed file survives a power cut only once its folder is synced too. */
export function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
