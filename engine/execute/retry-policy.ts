import { parseDuration } from '../duration.js';
import type { RetrySpec } from '../document/runbook.js';
import type { FailureInfo } from './events.js';

const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_BACKOFF = 2;

/** Never retried: running them again cannot help, or would do harm. */
const FINAL_CODES = new Set(['interrupted', 'declined', 'invalid-input', 'assertion']);

/** A step that ran, but whose result `retry.until` does not accept yet. */
export const UNTIL_NOT_MET = 'until-not-met';

/** `on` picks among failures; a result that `until` refuses is what `until` asks to retry. */
export function shouldRetry(spec: RetrySpec | undefined, attempt: number, failure: FailureInfo & { retryable: boolean }): boolean {
  if (!spec || attempt >= spec.maxAttempts) return false;
  if (!failure.retryable || FINAL_CODES.has(failure.code)) return false;
  return failure.code === UNTIL_NOT_MET || spec.on === undefined || spec.on.includes(failure.code);
}

/** The wait after attempt `attempt` failed: interval × backoffRate^(attempt-1), capped. */
export function retryDelay(spec: RetrySpec, attempt: number): number {
  const interval = spec.interval ? parseDuration(spec.interval)! : DEFAULT_INTERVAL_MS;
  const delay = interval * (spec.backoffRate ?? DEFAULT_BACKOFF) ** (attempt - 1);
  const cap = spec.maxInterval ? parseDuration(spec.maxInterval)! : Infinity;
  return Math.min(delay, cap);
}
