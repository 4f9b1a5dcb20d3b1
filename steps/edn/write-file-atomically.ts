import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StepFailure } from '../../engine/step-failure.js';
import type { ExistingFile } from './read-edn-file.js';

export interface AtomicWrite {
  readonly path: string;
  readonly text: string;
  /** What the edit was computed from; undefined when the file is being created. */
  readonly existing: ExistingFile | undefined;
  readonly keepBackup: boolean;
  /** Names the backup, `<file>.<backupName>.bak`: the run's id, so that each run keeps one. */
  readonly backupName: string;
}

const NEW_FILE_MODE = 0o666;

/**
 * Replaces the file so that a reader, or a crash, sees either the old or the new bytes:
 * temp file in the same folder, fsync, rename, fsync of the folder. The previous bytes are
 * first copied to `<file>.<backupName>.bak`, unless that backup exists already. Returns the
 * backup's path, when there is one.
 */
export async function writeFileAtomically(write: AtomicWrite): Promise<string | undefined> {
  const folder = dirname(write.path);
  await mkdir(folder, { recursive: true });
  await confirmUnchanged(write.path, write.existing);
  const backup = write.existing !== undefined && write.keepBackup ? await keepBackup(write.path, write.existing, write.backupName) : undefined;
  const temp = join(folder, `.${basename(write.path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeDurably(temp, Buffer.from(write.text, 'utf8'), write.existing);
    await rename(temp, write.path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(folder);
  return backup;
}

/** Another editor may have saved the file since we read it: never overwrite its change. */
async function confirmUnchanged(path: string, existing: ExistingFile | undefined): Promise<void> {
  const current = await readFile(path).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  });
  const unchanged = current === undefined ? existing === undefined : existing !== undefined && current.equals(existing.bytes);
  if (!unchanged) {
    throw new StepFailure(`${path}: the file changed while it was being edited; nothing was written, run the step again`, {
      code: 'edn-changed',
    });
  }
}

/**
 * One backup per run and file: the first edit of a run keeps the file as it was before the
 * run, and the run's later edits of it (other steps, or the same step after a resume) leave
 * that backup as it is, so the operator has one file to go back to.
 */
async function keepBackup(path: string, existing: ExistingFile, name: string): Promise<string> {
  const backup = `${path}.${name}.bak`;
  try {
    await writeDurably(backup, existing.bytes, existing);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  return backup;
}

/** Creates `path` (never overwriting) with the bytes, the original's mode and owner, flushed to disk. */
async function writeDurably(path: string, bytes: Buffer, like: ExistingFile | undefined): Promise<void> {
  const handle = await open(path, 'wx', like?.mode ?? NEW_FILE_MODE);
  try {
    await handle.writeFile(bytes);
    if (like !== undefined) await keepModeAndOwner(handle, like);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function keepModeAndOwner(handle: FileHandle, like: ExistingFile): Promise<void> {
  // The umask narrowed the mode given to open(); restore it exactly.
  await handle.chmod(like.mode);
  // Only root can give a file away; everyone else's files already belong to them.
  if (process.getuid?.() === 0) await handle.chown(like.uid, like.gid);
}

/** Makes the rename itself durable. Some file systems cannot sync a folder; the rename still happened. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync().catch((error: unknown) => {
      if (!(error instanceof Error && 'code' in error && (error.code === 'EINVAL' || error.code === 'EPERM'))) throw error;
    });
  } finally {
    await handle.close();
  }
}
