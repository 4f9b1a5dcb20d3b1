/**
 * The error a step throws when it fails for a reason the operator should read.
 * `code` names the kind of failure (retry rules select on it); `retryable: false` stops
 * retries whatever the rules say (an assertion that failed will fail again).
 */
export class StepFailure extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: string | undefined;

  constructor(message: string, options: { code?: string; retryable?: boolean; details?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StepFailure';
    this.code = options.code ?? 'failed';
    this.retryable = options.retryable ?? true;
    this.details = options.details;
  }
}
