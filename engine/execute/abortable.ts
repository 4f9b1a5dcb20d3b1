import { StepFailure } from '../step-failure.js';

/**
 * Settles when the work settles or the signal fires, whichever is first, so a step that
 * ignores its signal cannot hold the run past its timeout or a Ctrl-C.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * How long a step's run has, once its signal fires, to settle before the run goes on without it.
 * A process step sends its group SIGTERM, then SIGKILL after 5 s, and settles once none is left.
 */
export const STOP_GRACE_MS = 10_000;

/** Resolves once the work settles, however it settles, or after `ms`, whichever is first. */
export function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    work.then(done, done);
  });
}

/** Resolves after `ms`, or rejects when the signal fires. Uses the global timer so fake timers apply. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal);
}

export function timeoutFailure(ms: number, timeout: string): StepFailure {
  return new StepFailure(`timed out after ${timeout}`, { code: 'timeout', details: `the step ran longer than its timeout (${ms} ms)` });
}

export function interruptedFailure(): StepFailure {
  return new StepFailure('interrupted', { code: 'interrupted', retryable: false });
}
