import { ExitCode } from '../exit-codes.js';

/**
 * The first Ctrl-C (or SIGTERM) aborts the step in flight so the run can record where it
 * stopped; a second one exits at once.
 */
export function onInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    process.stderr.write(`\nstepwise: ${signal} received: stopping the step in flight (again to exit at once)\n`);
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
