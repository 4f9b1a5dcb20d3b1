import { StepFailure } from '../../engine/step-failure.js';

/** Failures that the same attempt would meet again; anything else (a full disk, EIO) may pass. */
const LASTING_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

/** A file system error, told as `file: cannot read|write the file: reason`. */
export function ioFailure(label: string, action: 'read' | 'write', error: unknown): StepFailure {
  const reason = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  return new StepFailure(`${label}: cannot ${action} the file: ${reason}`, {
    code: 'edn-io',
    retryable: !LASTING_CODES.has(code),
    cause: error,
  });
}
