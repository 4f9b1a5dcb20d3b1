import type { Diagnostic } from './validate/diagnostic.js';

/** The exit codes stepwise documents (README, `stepwise --help`). */
export const ExitCode = {
  success: 0,
  stepFailed: 1,
  invalidInput: 2,
  declined: 3,
  /** The run's record could not be written (a full disk): it stopped there and can be resumed. */
  stateUnwritable: 4,
  /** 128 + the signal's number, as shells report a program a signal ended. */
  hungUp: 129,
  interrupted: 130,
  quit: 131,
} as const;

/** Bad input the operator must fix: printed without a stack trace, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    /** The located problems `details` lists, when they come from a file (`--json` gives them as data). */
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * `stepwise apply`: what the plan was made from or against changed since, so the plan is not
 * what would be carried out. Exit 2; `details` lists every difference found.
 */
export class StalePlanError extends UsageError {
  constructor(message: string, details: string[]) {
    super(message, details);
    this.name = 'StalePlanError';
  }
}

/** A step failed before any run was recorded (apply's check of its plan): exit 1, nothing written. */
export class StepFailedError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'StepFailedError';
  }
}

/** The operator said no, or could not be asked: exit 3. */
export class DeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclinedError';
  }
}

/**
 * A signal where no run was going (a question before a resume, apply's check): nothing changed.
 * Exit 130, or the code of the signal that stopped it (129 for SIGHUP, 131 for SIGQUIT).
 */
export class InterruptedError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    readonly exitCode: number = ExitCode.interrupted,
  ) {
    super(message);
    this.name = 'InterruptedError';
  }
}

/**
 * A file of the run's record could not be written (a full disk, a read-only or failing file
 * system): the run stops there, since a step must not go on unrecorded, and can be resumed once
 * the cause is fixed. Exit 4.
 */
export class StateWriteError extends Error {
  constructor(
    readonly file: string,
    readonly failure: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${file}: ${describeWriteFailure(failure)}`);
    this.name = 'StateWriteError';
  }
}

const STORAGE_FAILURES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device (ENOSPC)',
  EDQUOT: 'the disk quota is used up (EDQUOT)',
  EROFS: 'the file system is read-only (EROFS)',
  EIO: 'an input/output error (EIO): the disk or the file system is failing',
  EFBIG: 'the file is too large for the file system (EFBIG)',
};

/** The file system refused a write for want of room or health, not for a wrong path or a permission. */
export function isStorageFailure(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in STORAGE_FAILURES;
}

function describeWriteFailure(error: NodeJS.ErrnoException): string {
  return (error.code && STORAGE_FAILURES[error.code]) ?? error.message;
}
