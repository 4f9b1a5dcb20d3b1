import type { Diagnostic } from './validate/diagnostic.js';

/** The exit codes stepwise documents (README, `stepwise --help`). */
export const ExitCode = {
  success: 0,
  stepFailed: 1,
  invalidInput: 2,
  declined: 3,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

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

/** The operator said no, or could not be asked: exit 3. */
export class DeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclinedError';
  }
}
