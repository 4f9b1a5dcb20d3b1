import { writeSync } from 'node:fs';
import { ExitCode } from '../exit-codes.js';

export interface Interrupt {
  /** Aborted at the first signal that stops a run. */
  readonly signal: AbortSignal;
  /** The exit code the signal that stopped the run calls for, once one did. */
  exitCode(): number | undefined;
  /**
   * The run is over; the process may still wait for the processes of a stopped step to end
   * their grace period, and a signal now exits at once.
   */
  runOver(): void;
}

/**
 * The signals that stop a run, with the exit code each calls for: Ctrl-C, Ctrl-\, the
 * terminal hanging up (an SSH session that drops) and a polite kill. SIGTERM keeps 130, the
 * code of an interruption, as it always had.
 */
const STOPPING_SIGNALS = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.interrupted, SIGHUP: ExitCode.hungUp, SIGQUIT: ExitCode.quit } as const;

type StoppingSignal = keyof typeof STOPPING_SIGNALS;

/**
 * The first stopping signal aborts the step in flight so the run can record where it stopped;
 * a second one, or one after the run is over, exits at once. Exiting kills the process groups
 * of steps still stopping (the exit hook of steps/core/run-process) and releases the run's
 * lock (its exit hook), and the journal has nothing to flush: each event is written before the
 * run goes on, and what the kernel holds outlives the process.
 */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  let over = false;
  let stoppedBy: StoppingSignal | undefined;
  const handler = (signal: StoppingSignal) => {
    if (controller.signal.aborted || over) {
      // Straight to the file descriptor: a live view may be holding back what goes to stderr.
      sayNow(`\nstepwise: ${signal} received: exiting now, killing the processes steps left running\n`);
      process.exit(STOPPING_SIGNALS[signal]);
    }
    stoppedBy = signal;
    // at once, past a live view holding stderr back: stopping a step can take its whole grace period
    sayNow(`\nstepwise: ${signal} received: stopping the step in flight (again to exit at once)\n`);
    controller.abort(new Error('interrupted'));
  };
  // Kept for the life of the process: it may outlive the run while a stopped step's processes end.
  for (const signal of Object.keys(STOPPING_SIGNALS) as StoppingSignal[]) process.on(signal, handler);
  return {
    signal: controller.signal,
    exitCode: () => (stoppedBy === undefined ? undefined : STOPPING_SIGNALS[stoppedBy]),
    runOver: () => {
      over = true;
    },
  };
}

/** A terminal that hung up, or a closed pipe, cannot take the message: the exit goes on. */
function sayNow(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    return;
  }
}
