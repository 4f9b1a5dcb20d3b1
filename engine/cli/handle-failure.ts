import { DeclinedError, ExitCode, InterruptedError, StateWriteError, UsageError } from '../exit-codes.js';
import { StepContractError } from '../step-contract-error.js';

/** Prints what went wrong without a stack trace (STEPWISE_DEBUG=1 shows it) and picks the exit code. */
export function handleFailure(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`stepwise: ${error.message}\n${error.details.map((line) => `  ${line}\n`).join('')}`);
    return ExitCode.invalidInput;
  }
  if (error instanceof DeclinedError) {
    process.stderr.write(`stepwise: ${error.message}\n`);
    return ExitCode.declined;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(`stepwise: ${error.message}\n${error.details.map((line) => `  ${line}\n`).join('')}`);
    return ExitCode.interrupted;
  }
  if (error instanceof StateWriteError) {
    process.stderr.write(`stepwise: ${error.message}\n`);
    return ExitCode.stateUnwritable;
  }
  if (error instanceof StepContractError) {
    process.stderr.write(`stepwise: ${error.message}\n`);
    return ExitCode.invalidInput;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`stepwise: internal error: ${message}\n`);
  if (process.env.STEPWISE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('  (set STEPWISE_DEBUG=1 to see where; please report it)\n');
  return ExitCode.stepFailed;
}
