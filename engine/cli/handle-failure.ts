import { DeclinedError, ExitCode, InterruptedError, StalePlanError, StateWriteError, StepFailedError, UsageError } from '../exit-codes.js';
import { StepContractError } from '../step-contract-error.js';
import { diagnosticJson, type DiagnosticJson } from '../validate/diagnostic.js';

/** What `--json` prints on stdout when a command refuses before or instead of a run (docs/json.md). */
export interface ErrorDocument {
  error: {
    kind: 'invalid-input' | 'stale-plan' | 'step-failed' | 'declined' | 'interrupted' | 'state-unwritable' | 'internal';
    message: string;
    /** One line each, as stderr shows them under the message. */
    details: string[];
    /** The located problems of a runbook file, when the refusal comes from one. */
    diagnostics: DiagnosticJson[];
  };
  exitCode: number;
}

/**
 * Prints what went wrong without a stack trace (STEPWISE_DEBUG=1 shows it) and picks the exit
 * code; under `--json`, stdout gets the same as an error document, so a script never reads nothing.
 */
export function handleFailure(error: unknown, { json = false } = {}): number {
  const failure = describeFailure(error);
  process.stderr.write(`stepwise: ${failure.error.message}\n${failure.error.details.map((line) => `  ${line}\n`).join('')}`);
  if (failure.error.kind === 'internal') {
    if (process.env.STEPWISE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('  (set STEPWISE_DEBUG=1 to see where; please report it)\n');
  }
  if (json) process.stdout.write(`${JSON.stringify(failure, null, 2)}\n`);
  return failure.exitCode;
}

/** The error document of a failure, as `--json` prints it. */
export function describeFailure(error: unknown): ErrorDocument {
  if (error instanceof StalePlanError) return document('stale-plan', error.message, error.details, ExitCode.invalidInput);
  if (error instanceof StepFailedError) return document('step-failed', error.message, error.details, ExitCode.stepFailed);
  if (error instanceof UsageError) {
    return document('invalid-input', error.message, error.details, ExitCode.invalidInput, error.diagnostics.map(diagnosticJson));
  }
  if (error instanceof DeclinedError) return document('declined', error.message, [], ExitCode.declined);
  if (error instanceof InterruptedError) return document('interrupted', error.message, error.details, error.exitCode);
  if (error instanceof StateWriteError) return document('state-unwritable', error.message, [], ExitCode.stateUnwritable);
  if (error instanceof StepContractError) return document('invalid-input', error.message, [], ExitCode.invalidInput);
  const message = error instanceof Error ? error.message : String(error);
  return document('internal', `internal error: ${message}`, [], ExitCode.stepFailed);
}

function document(kind: ErrorDocument['error']['kind'], message: string, details: string[], exitCode: number, diagnostics: DiagnosticJson[] = []): ErrorDocument {
  return { error: { kind, message, details, diagnostics }, exitCode };
}
