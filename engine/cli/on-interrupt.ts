import { ExitCode } from '../exit-codes.js';

export interface Interrupt {
  /** Aborted at the first Ctrl-C (or SIGTERM). */
  readonly signal: AbortSignal;
  /**
   * The run is over; the process may still wait for the processes of a stopped step to end
   * their grace period, and a Ctrl-C now exits at once.
   */
  runOver(): void;
}

/**
 * The first Ctrl-C (or SIGTERM) aborts the step in flight so the run can record where it
 * stopped; a second one, or one after the run is over, exits at once with 130. Exiting kills
 * the process groups of steps still stopping (the exit hook of steps/core/run-process), and the
 * journal has nothing to flush: each event is on disk before the run goes on.
 */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  let over = false;
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted || over) {
      process.stderr.write(`\nstepwise: ${signal} received: exiting now, killing the processes steps left running\n`);
      process.exit(ExitCode.interrupted);
    }
    process.stderr.write(`\nstepwise: ${signal} received: stopping the step in flight (again to exit at once)\n`);
    controller.abort(new Error('interrupted'));
  };
  // Kept for the life of the process: it may outlive the run while a stopped step's processes end.
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    runOver: () => {
      over = true;
    },
  };
}
