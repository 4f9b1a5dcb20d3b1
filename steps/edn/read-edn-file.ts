import { readFile, realpath, stat } from 'node:fs/promises';
import { StepFailure } from '../../engine/step-failure.js';
import { ioFailure } from './io-failure.js';

/** The file as it was before the edit: what the backup keeps and the new file inherits. */
export interface ExistingFile {
  readonly bytes: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface EdnFile {
  /** Where to write: a symlinked deps.edn (dotfiles) is edited at its target, keeping the link. */
  readonly path: string;
  /** '' when the file does not exist. */
  readonly text: string;
  readonly existing: ExistingFile | undefined;
  /** In a dry-run: `text` is what an earlier step planned to write, not what is on disk. */
  readonly plannedBefore?: boolean;
}

export async function readEdnFile(path: string, label: string): Promise<EdnFile> {
  const target = await realpath(path).catch((error: unknown) => {
    if (isMissing(error)) return path;
    throw ioFailure(label, 'read', error);
  });
  try {
    const [bytes, stats] = await Promise.all([readFile(target), stat(target)]);
    const text = decodeUtf8(bytes, label);
    return { path: target, text, existing: { bytes, mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid } };
  } catch (error) {
    if (isMissing(error)) return { path: target, text: '', existing: undefined };
    throw error instanceof StepFailure ? error : ioFailure(label, 'read', error);
  }
}

function decodeUtf8(bytes: Buffer, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new StepFailure(`${label}: the file is not UTF-8 text; deps.edn files must be UTF-8`, { code: 'edn-syntax', retryable: false });
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
